package testbed

import (
	"context"
	"fmt"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"herald/harness/csapi"
)

// SharedSecret is the registration shared secret of the image contract.
const SharedSecret = "complement"

// NewUser registers a fresh user on the homeserver under test; the localpart
// starts with name and is unique in the run, so specs never share users.
func (b *Bed) NewUser(ctx context.Context, name string) *csapi.Client {
	ginkgo.GinkgoHelper()
	localpart := fmt.Sprintf("%s-%d-%d", name, ginkgo.GinkgoParallelProcess(), b.users.Add(1))
	user, err := b.Client().NewUser(ctx, SharedSecret, localpart, "herald-"+localpart)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "registering user %q on %s", localpart, b.hs.ServerName)
	return user
}

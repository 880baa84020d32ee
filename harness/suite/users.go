package suite

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"herald/harness/csapi"
)

// SharedSecret is the registration shared secret of the image contract.
const SharedSecret = "complement"

var userSeq atomic.Int64

// Client is an anonymous client of the homeserver under test, with the
// configured request timeout.
func Client() *csapi.Client {
	return csapi.New(hs.ClientURL,
		csapi.WithRequestTimeout(cfg.Timeouts.Request),
		csapi.WithSyncTimeout(cfg.Timeouts.Sync))
}

// NewUser registers a fresh user on the homeserver under test; the localpart
// starts with name and is unique in the run, so specs never share users.
func NewUser(ctx context.Context, name string) *csapi.Client {
	ginkgo.GinkgoHelper()
	localpart := fmt.Sprintf("%s-%d-%d", name, ginkgo.GinkgoParallelProcess(), userSeq.Add(1))
	user, err := Client().NewUser(ctx, SharedSecret, localpart, "herald-"+localpart)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "registering user %q on %s", localpart, hs.ServerName)
	return user
}

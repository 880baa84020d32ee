package suite

import (
	"context"

	"github.com/onsi/ginkgo/v2"

	"herald/harness/federation"
)

// NewRemote starts a fresh mock remote homeserver for the current spec,
// federating with the homeserver under test on a fresh port. It is closed
// when the spec ends, and the spec fails if anything the homeserver sent it
// did not verify (unless federation.AllowProblems is given).
func NewRemote(ctx context.Context, opts ...federation.Option) *federation.Server {
	ginkgo.GinkgoHelper()
	env := federation.ForHomeserver(hs, ca, network.Gateway)
	return federation.NewServer(ctx, env, append([]federation.Option{federation.RequestTimeout(cfg.Timeouts.Request)}, opts...)...)
}

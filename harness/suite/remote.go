package suite

import (
	"context"

	"github.com/onsi/ginkgo/v2"

	"herald/harness/conformance"
	"herald/harness/federation"
)

// NewRemote starts a fresh mock remote homeserver for the current spec,
// federating with the homeserver under test on a fresh port. It is closed
// when the spec ends, and the spec fails if anything the homeserver sent it
// did not verify (unless federation.AllowProblems is given), as part of
// its outcome: a known failure in the expectations file covers it.
func NewRemote(ctx context.Context, opts ...federation.Option) *federation.Server {
	ginkgo.GinkgoHelper()
	env := federation.ForHomeserver(hs, ca, network.Gateway)
	base := []federation.Option{federation.RequestTimeout(cfg.Timeouts.Request), federation.JudgedBy(conformance.AtEnd)}
	return federation.NewServer(ctx, env, append(base, opts...)...)
}

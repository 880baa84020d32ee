package suite

import (
	"context"
	"herald/harness/mockhttp"

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
	env := federation.Env{Peer: peer(), CA: ca, Listen: network.Gateway}
	base := []federation.Option{federation.RequestTimeout(cfg.Timeouts.Request), federation.JudgedBy(conformance.AtEnd)}
	return federation.NewServer(ctx, env, append(base, opts...)...)
}

// peer is the homeserver under test as the mocks see it: its server name,
// where the test process reaches its federation port, and the TLS
// configuration that verifies it. (The mocks know peers, not homeservers.)
func peer() mockhttp.Peer {
	return mockhttp.Peer{Name: hs.ServerName, Addr: hs.FederationAddr, TLS: hs.FederationTLS()}
}

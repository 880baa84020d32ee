package testbed

import (
	"context"

	"github.com/onsi/ginkgo/v2"

	"herald/harness/conformance"
	"herald/harness/federation"
	"herald/harness/identity"
	"herald/harness/mockhttp"
)

// NewRemote starts a fresh mock remote homeserver for the current spec,
// federating with the homeserver under test on a fresh port. It is closed
// when the spec ends, and the spec fails if anything the homeserver sent it
// did not verify (unless federation.AllowProblems is given), as part of
// its outcome: a known failure in the expectations file covers it.
func (b *Bed) NewRemote(ctx context.Context, opts ...federation.Option) *federation.Server {
	ginkgo.GinkgoHelper()
	env := federation.Env{Peer: b.peer(), CA: b.ca, Listen: b.listen}
	base := []federation.Option{federation.RequestTimeout(b.cfg.Timeouts.Request), federation.JudgedBy(conformance.AtEnd)}
	return federation.NewServer(ctx, env, append(base, opts...)...)
}

// NewIdentityServer starts a fresh mock identity server for the current
// spec, on the Docker network's gateway at a port of identity.TrustedPorts
// (the range Herald's Dendrite image trusts), reachable from the
// homeserver as Name() = host.docker.internal:<port>. Its onbind calls go
// to this process's homeserver. It is closed when the spec ends.
func (b *Bed) NewIdentityServer(ctx context.Context, opts ...identity.Option) *identity.Server {
	ginkgo.GinkgoHelper()
	env := identity.Env{CA: b.ca, Listen: b.listen, Ports: identity.TrustedPorts, Peer: b.peer()}
	base := []identity.Option{identity.RequestTimeout(b.cfg.Timeouts.Request), identity.JudgedBy(conformance.AtEnd)}
	return identity.NewServer(ctx, env, append(base, opts...)...)
}

// peer is the homeserver under test as the mocks see it: its server name,
// where the test process reaches its federation port, and the TLS
// configuration that verifies it. (The mocks know peers, not homeservers.)
func (b *Bed) peer() mockhttp.Peer {
	return mockhttp.Peer{Name: b.hs.ServerName, Addr: b.hs.FederationAddr, TLS: b.hs.FederationTLS()}
}

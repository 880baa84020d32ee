package suite

import (
	"context"

	"github.com/onsi/ginkgo/v2"

	"herald/harness/conformance"
	"herald/harness/identity"
)

// NewIdentityServer starts a fresh mock identity server for the current
// spec, on the Docker network's gateway at a port of identity.TrustedPorts
// (the range Herald's Dendrite image trusts), reachable from the
// homeserver as Name() = host.docker.internal:<port>. Its onbind calls go
// to this process's homeserver. It is closed when the spec ends.
func NewIdentityServer(ctx context.Context, opts ...identity.Option) *identity.Server {
	ginkgo.GinkgoHelper()
	env := identity.Env{CA: ca, Listen: network.Gateway, Ports: identity.TrustedPorts, Homeserver: peer()}
	base := []identity.Option{identity.RequestTimeout(cfg.Timeouts.Request), identity.JudgedBy(conformance.AtEnd)}
	return identity.NewServer(ctx, env, append(base, opts...)...)
}

package identity

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
)

// PortRange is a range of TCP ports: First, First+1, … First+Count-1.
type PortRange struct {
	First uint16
	Count uint16
}

// TrustedPorts is where suites run identity servers. Dendrite contacts only
// the identity servers its config lists (trusted_third_party_id_servers,
// exact host:port), so Herald's Dendrite image lists
// host.docker.internal:28400 … :28463 (dockerfiles/dendrite/start.sh); keep
// the two in step. Servers that trust any identity server, such as Synapse,
// do not care. The range lies below Linux's ephemeral ports (32768–60999),
// and each run listens on its own network's gateway address, so runs side
// by side do not compete for it.
var TrustedPorts = PortRange{First: 28400, Count: 64}

// listen opens a TCP listener on addr at a free port of the range (any
// port for the zero range), starting at a random one so that processes
// sharing the range rarely collide.
func (p PortRange) listen(ctx context.Context, addr netip.Addr) (net.Listener, error) {
	var lc net.ListenConfig
	if p.Count == 0 {
		return lc.Listen(ctx, "tcp", netip.AddrPortFrom(addr, 0).String())
	}
	start := rand.N(p.Count)
	var errs []error
	for i := range p.Count {
		port := p.First + (start+i)%p.Count
		ln, err := lc.Listen(ctx, "tcp", netip.AddrPortFrom(addr, port).String())
		if err == nil {
			return ln, nil
		}
		if len(errs) < 3 {
			errs = append(errs, err)
		}
	}
	return nil, fmt.Errorf("no free port in %d–%d on %s: %w", p.First, p.First+p.Count-1, addr, errors.Join(errs...))
}

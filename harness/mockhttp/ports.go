package mockhttp

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

package mockhttp

import (
	"net"
	"net/netip"
	"testing"
)

var loopback = netip.MustParseAddr("127.0.0.1")

func TestPortRange(t *testing.T) {
	// A range of two ports around one that the kernel just handed out.
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	busy := uint16(probe.Addr().(*net.TCPAddr).Port)
	defer probe.Close()
	r := PortRange{First: busy, Count: 2}
	if busy == 65535 {
		r.First = busy - 1
	}
	for range 5 {
		ln, err := r.listen(t.Context(), loopback)
		if err != nil {
			t.Skipf("the neighbour of port %d is busy too: %v", busy, err)
		}
		port := uint16(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		if port == busy || port < r.First || port >= r.First+r.Count {
			t.Fatalf("listened on %d; range %d+%d, busy %d", port, r.First, r.Count, busy)
		}
	}
	if _, err := (PortRange{First: busy, Count: 1}).listen(t.Context(), loopback); err == nil {
		t.Error("a range whose only port is busy should fail")
	}
}

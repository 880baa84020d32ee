package mockhttp

import (
	"crypto/tls"
	"net/netip"
)

// Peer is a server a mock sends requests to: normally the homeserver
// under test, in unit tests another mock.
type Peer struct {
	// Name is the peer's server name: SNI (its host) and Host.
	Name string
	// Addr is where the test process dials it.
	Addr netip.AddrPort
	// TLS verifies its certificate.
	TLS *tls.Config
}

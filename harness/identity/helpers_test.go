package identity

import (
	"crypto/ed25519"
	"net/http"
	"net/netip"
	"testing"

	"herald/harness/matrix"
	"herald/harness/mockhttp/mocktest"
)

// start runs one mock identity server on loopback, named 127.0.0.1:<port>,
// closed when the test ends.
func start(t testing.TB, env Env, opts ...Option) *Server {
	t.Helper()
	env.CA, env.Listen = mocktest.CA(t), mocktest.Loopback
	return mocktest.Start(t, func() (*Server, error) {
		return Start(t.Context(), env, append([]Option{Host("127.0.0.1")}, opts...)...)
	})
}

// client is an HTTPS client of s, trusting only the test CA.
func client(t testing.TB, s *Server) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: mocktest.CA(t).ClientConfig(s.Name())}}
}

// verifies reports whether block carries a valid signature by key, looked
// up under key's own server name and key ID.
func verifies(block matrix.Object, key *matrix.Signer) error {
	return matrix.VerifyJSON(block, key.ServerName, key.KeyID, key.PublicKey())
}

// verifiesUnder reports whether any signature in block verifies under the
// public key, whatever name and key ID it is filed under: what the auth
// rules do with the keys of an m.room.third_party_invite.
func verifiesUnder(block matrix.Object, pub ed25519.PublicKey) bool {
	sigs, _ := block.GetObject("signatures")
	for server, v := range sigs {
		byKey, _ := v.(map[string]any)
		for keyID := range byKey {
			if matrix.VerifyJSON(block, server, keyID, pub) == nil {
				return true
			}
		}
	}
	return false
}

func mustAddrPort(t testing.TB, s string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

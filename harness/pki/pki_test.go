package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestIssuedCertificateVerifiesForItsNames(t *testing.T) {
	ca, err := NewCA("run-1", MinBits)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("host.docker.internal:34567", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"host.docker.internal", "127.0.0.1"} {
		if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: name}); err != nil {
			t.Errorf("certificate does not verify for %s: %v", name, err)
		}
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "hs1"}); err == nil {
		t.Error("certificate verified for a name it was not issued for")
	}
	other, _ := NewCA("other run", MinBits)
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: other.Pool(), DNSName: "host.docker.internal"}); err == nil {
		t.Error("certificate verified under another run's CA")
	}
}

func TestTLSRoundTripWithServerNameAndPort(t *testing.T) {
	ca, _ := NewCA("run", MinBits)
	leaf, err := ca.Issue("host.docker.internal:8448")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
	srv.StartTLS()
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientConfig("host.docker.internal:8448")}}
	res, err := client.Get(srv.URL)
	if err != nil {
		t.Fatalf("TLS with the run CA failed: %v", err)
	}
	res.Body.Close()

	wrong := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientConfig("hs1")}}
	if _, err := wrong.Get(srv.URL); err == nil {
		t.Fatal("TLS succeeded although the certificate names another server")
	}
}

func TestParseCARoundTrip(t *testing.T) {
	ca, _ := NewCA("run", MinBits)
	back, err := ParseCA(ca.CertPEM, ca.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := back.Issue("hs1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "hs1"}); err != nil {
		t.Fatalf("certificate from the restored CA does not verify under the original: %v", err)
	}
}

func TestParseCAErrors(t *testing.T) {
	ca, _ := NewCA("a", MinBits)
	other, _ := NewCA("b", MinBits)
	leaf, _ := ca.Issue("hs1")
	leafPEM := pemCert(leaf.Certificate[0])
	cases := []struct {
		name      string
		cert, key []byte
		want      string
	}{
		{"garbage cert", []byte("nope"), ca.KeyPEM, "no CERTIFICATE"},
		{"garbage key", ca.CertPEM, []byte("nope"), "no RSA PRIVATE KEY"},
		{"EC key (not the contract)", ca.CertPEM, ecKeyPEM(t), "no RSA PRIVATE KEY"},
		{"mismatched key", ca.CertPEM, other.KeyPEM, "does not match"},
		{"leaf is not a CA", leafPEM, ca.KeyPEM, "not a CA"},
	}
	for _, tc := range cases {
		if _, err := ParseCA(tc.cert, tc.key); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestIssueNeedsANameAndSplitsHostPort(t *testing.T) {
	ca, _ := NewCA("run", MinBits)
	if _, err := ca.Issue(); err == nil {
		t.Error("Issue() with no names succeeded")
	}
	leaf, _ := ca.Issue("[::1]:8448")
	if len(leaf.Leaf.IPAddresses) != 1 || !leaf.Leaf.IPAddresses[0].Equal(net.ParseIP("::1")) {
		t.Errorf("IP SANs = %v", leaf.Leaf.IPAddresses)
	}
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestLeafIsIssuedOncePerNames(t *testing.T) {
	ca, _ := NewCA("run", MinBits)
	a, err := ca.Leaf("host.docker.internal")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := ca.Leaf("host.docker.internal")
	if a.Leaf.SerialNumber.Cmp(again.Leaf.SerialNumber) != 0 {
		t.Error("a second Leaf for the same names issued a new certificate")
	}
	other, _ := ca.Leaf("hs1")
	if other.Leaf.SerialNumber.Cmp(a.Leaf.SerialNumber) == 0 {
		t.Error("Leaf for other names returned the same certificate")
	}
	if _, err := other.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "host.docker.internal"}); err == nil {
		t.Error("hs1's certificate verified for host.docker.internal")
	}
}

func TestClientConfigsOfOneCAResumeSessions(t *testing.T) {
	ca, _ := NewCA("run", MinBits)
	leaf, _ := ca.Leaf("hs1")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
	srv.StartTLS()
	defer srv.Close()

	// Each dial uses a fresh configuration, as each mock does.
	dial := func(conf *tls.Config) (resumed bool, err error) {
		conn, err := tls.Dial("tcp", srv.Listener.Addr().String(), conf)
		if err != nil {
			return false, err
		}
		defer conn.Close()
		// A TLS 1.3 ticket arrives after the handshake: read the answer.
		io.WriteString(conn, "GET / HTTP/1.1\r\nHost: hs1\r\nConnection: close\r\n\r\n")
		io.ReadAll(conn)
		return conn.ConnectionState().DidResume, nil
	}
	if resumed, err := dial(ca.ClientConfig("hs1")); err != nil || resumed {
		t.Fatalf("first connection: resumed %v, error %v", resumed, err)
	}
	if resumed, err := dial(ca.ClientConfig("hs1:8448")); err != nil || !resumed {
		t.Errorf("second connection from another configuration of the CA: resumed %v, error %v; want a resumed session", resumed, err)
	}
	other, _ := NewCA("other run", MinBits)
	if _, err := dial(other.ClientConfig("hs1")); err == nil {
		t.Error("another CA's client resumed or accepted a session it never verified")
	}
}

// The contract is Complement's: images parse ca.key as PKCS#1 RSA (Dendrite's
// generate-keys panics on anything else) and sign their own certificate
// with it.
func TestCAIsInComplementsForm(t *testing.T) {
	ca, err := NewCA("run", MinBits)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := pem.Decode(ca.KeyPEM)
	if kb == nil || kb.Type != "RSA PRIVATE KEY" {
		t.Fatalf("ca.key block = %v, want RSA PRIVATE KEY", kb)
	}
	key, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatalf("ca.key is not PKCS#1: %v", err)
	}
	if key.N.BitLen() != MinBits {
		t.Errorf("key has %d bits, want %d", key.N.BitLen(), MinBits)
	}
	if ca.Cert.PublicKeyAlgorithm != x509.RSA || !ca.Cert.IsCA {
		t.Errorf("ca.crt: algorithm %v, CA %v; want an RSA CA", ca.Cert.PublicKeyAlgorithm, ca.Cert.IsCA)
	}
	// A homeserver signs its own leaf with the key it was handed; the mocks
	// must then accept that leaf.
	leafKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), DNSNames: []string{"hs1"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &leafKey.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "hs1"}); err != nil {
		t.Fatalf("a certificate signed with ca.key does not verify: %v", err)
	}
	if _, err := NewCA("small", 1024); err == nil {
		t.Error("NewCA made a 1024-bit CA")
	}
}

func ecKeyPEM(t *testing.T) []byte {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}

// What the contract's CA costs a run (it is made once per run, in process 1):
// go test ./harness/pki -run '^$' -bench NewCA -benchtime 10x
func BenchmarkNewCA(b *testing.B) {
	for _, bits := range []int{MinBits, ContractBits} {
		b.Run(fmt.Sprintf("RSA-%d", bits), func(b *testing.B) {
			for b.Loop() {
				if _, err := NewCA("bench", bits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

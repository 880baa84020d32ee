// Package pki makes the per-run certificate authority and the TLS leaf certificates it signs.
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"
)

// validity is long enough for any run, short enough that a leaked CA is harmless.
const validity = 48 * time.Hour

// ContractBits is the size of the CA key Complement hands its images, and so
// the size images are written against (a run makes one CA; the mocks' own
// leaf keys are ECDSA whatever the CA's size).
const ContractBits = 4096

// MinBits is the smallest CA key NewCA makes (unit tests use it: a 4096-bit
// key takes the better part of a second to generate).
const MinBits = 2048

// CA is a run's certificate authority, of the kind Complement hands out: an
// RSA key, encoded as PKCS#1 PEM ("RSA PRIVATE KEY"), beside a self-signed
// certificate. Homeservers under test get it (as /complement/ca/ca.crt and
// ca.key) to sign their own certificates; the mock servers get their leaf
// certificates from it; every TLS client trusts only it.
type CA struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
	// CertPEM and KeyPEM are the encoded forms handed to containers.
	CertPEM []byte
	KeyPEM  []byte

	mu     sync.Mutex
	leaves map[string]tls.Certificate // Leaf's certificates, by names
	// sessions lets every client of this CA resume TLS sessions with a
	// server it reached before, instead of a full handshake each time.
	sessions tls.ClientSessionCache
}

// NewCA makes a fresh RSA certificate authority with a key of the given
// size (ContractBits for a run).
func NewCA(name string, bits int) (*CA, error) {
	if bits < MinBits {
		return nil, fmt.Errorf("generating CA key: %d bits is below the minimum of %d", bits, MinBits)
	}
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("generating CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"Herald test CA"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("self-signing CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER := x509.MarshalPKCS1PrivateKey(key)
	return &CA{
		Cert:    cert,
		Key:     key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// ParseCA restores a CA from its PEM forms (as passed between Ginkgo processes).
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, errors.New("parsing CA: no CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing CA certificate: %w", err)
	}
	if !cert.IsCA {
		return nil, errors.New("parsing CA: certificate is not a CA")
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil || kb.Type != "RSA PRIVATE KEY" {
		return nil, errors.New("parsing CA: no RSA PRIVATE KEY block (PKCS#1)")
	}
	key, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing CA key: %w", err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("parsing CA: key does not match certificate")
	}
	return &CA{Cert: cert, Key: key, CertPEM: certPEM, KeyPEM: keyPEM}, nil
}

// Pool is a certificate pool trusting only this CA.
func (ca *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return pool
}

// Issue makes a server certificate for the given names. A name that parses
// as an IP address becomes an IP SAN; anything else a DNS SAN. A server name
// with a port ("host.docker.internal:8448") is certified for its host part.
func (ca *CA) Issue(names ...string) (tls.Certificate, error) {
	if len(names) == 0 {
		return tls.Certificate{}, errors.New("issuing certificate: no names")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generating leaf key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hostOf(names[0])},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, n := range names {
		h := hostOf(n)
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("signing certificate for %v: %w", names, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// Leaf is the server certificate for names, issued on first use and the
// same afterwards: the mock servers of a run all serve under one host name,
// and a fresh key and signature for each would cost a run seconds of CPU.
func (ca *CA) Leaf(names ...string) (tls.Certificate, error) {
	key := strings.Join(names, "\x00")
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if cert, ok := ca.leaves[key]; ok {
		return cert, nil
	}
	cert, err := ca.Issue(names...)
	if err != nil {
		return cert, err
	}
	if ca.leaves == nil {
		ca.leaves = map[string]tls.Certificate{}
	}
	ca.leaves[key] = cert
	return cert, nil
}

// ClientConfig is a TLS client configuration that trusts only this CA and
// expects the peer to be serverName (host part used; port ignored). The
// configurations of one CA share a session cache, so a second connection
// to a server resumes the first one's session.
func (ca *CA) ClientConfig(serverName string) *tls.Config {
	ca.mu.Lock()
	if ca.sessions == nil {
		ca.sessions = tls.NewLRUClientSessionCache(64)
	}
	sessions := ca.sessions
	ca.mu.Unlock()
	return &tls.Config{
		RootCAs:            ca.Pool(),
		ServerName:         hostOf(serverName),
		MinVersion:         tls.VersionTLS12,
		ClientSessionCache: sessions,
		CurvePreferences:   Curves,
	}
}

// Curves are the key exchanges Herald's TLS clients and servers offer:
// classical ones only. The post-quantum hybrid Go prefers by default costs a
// large key share on every handshake, and what a run protects lasts a run.
var Curves = []tls.CurveID{tls.X25519, tls.CurveP256}

func hostOf(name string) string {
	if h, _, err := net.SplitHostPort(name); err == nil {
		return h
	}
	return name
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(fmt.Sprintf("reading randomness: %v", err))
	}
	return n
}

// Package mocktest runs Herald's mocks in unit tests: on loopback, with one test CA per process, each closed when its test ends.
package mocktest

import (
	"net/netip"
	"sync"
	"testing"

	"herald/harness/mockhttp"
	"herald/harness/pki"
)

// Loopback is where unit-test mocks listen.
var Loopback = netip.MustParseAddr("127.0.0.1")

var (
	caOnce sync.Once
	ca     *pki.CA
	caErr  error
)

// CA is the process's test CA, made on first use (with the smallest key
// pki allows, for speed).
func CA(t testing.TB) *pki.CA {
	caOnce.Do(func() { ca, caErr = pki.NewCA("Herald mock unit tests", pki.MinBits) })
	if caErr != nil {
		t.Fatal(caErr)
	}
	return ca
}

// Env is a mock's surroundings in a unit test: the test CA and loopback.
func Env(t testing.TB) mockhttp.Env { return mockhttp.Env{CA: CA(t), Listen: Loopback} }

// Start starts a mock with start, fails the test if it cannot, and closes
// the mock when the test ends.
func Start[M interface {
	Name() string
	Close() error
}](t testing.TB, start func() (M, error)) M {
	t.Helper()
	m, err := start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("closing %s: %v", m.Name(), err)
		}
	})
	return m
}

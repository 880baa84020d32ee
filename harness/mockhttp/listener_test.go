package mockhttp

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"herald/harness/pki"
)

func serveOnLoopback(t *testing.T) (*Listener, string) {
	t.Helper()
	ca, err := pki.NewCA("mockhttp tests")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue("localhost")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Serve(ln, cert, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }), t.Logf)
	return l, ln.Addr().String()
}

func get(addr string) error {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := c.Get("https://" + addr + "/")
	if err == nil {
		res.Body.Close()
	}
	return err
}

func TestRetireKeepsThePortAndRefusesTraffic(t *testing.T) {
	l, addr := serveOnLoopback(t)
	if err := get(addr); err != nil {
		t.Fatalf("serving: %v", err)
	}
	if err := l.Retire(); err != nil {
		t.Fatal(err)
	}
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Fatalf("%s could be bound again after Retire: a later mock could get the old one's traffic", addr)
	}
	if err := get(addr); err == nil {
		t.Fatal("a retired listener still answered a request")
	}
}

func TestCloseFreesThePort(t *testing.T) {
	l, addr := serveOnLoopback(t)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("%s is still bound after Close: %v", addr, err)
	}
	ln.Close()
}

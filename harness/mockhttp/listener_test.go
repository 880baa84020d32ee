package mockhttp_test

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"herald/harness/mockhttp"
	"herald/harness/mockhttp/mocktest"
	"herald/harness/pki"
)

func serveOnLoopback(t *testing.T) (*mockhttp.Listener, string) {
	t.Helper()
	cert, err := mocktest.CA(t).Issue("localhost")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := mockhttp.Serve(ln, cert, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }), t.Logf)
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

// Mocks serving one certificate accept each other's session tickets, so a
// homeserver that resumes sessions skips the full handshake with a new mock.
func TestMocksWithOneCertificateResumeEachOthersSessions(t *testing.T) {
	ca, err := pki.NewCA("mockhttp tests", pki.MinBits) // its own: a fresh session cache
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Leaf("localhost")
	if err != nil {
		t.Fatal(err)
	}
	serve := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l := mockhttp.Serve(ln, cert, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }), t.Logf)
		t.Cleanup(func() { l.Close() })
		return ln.Addr().String()
	}
	client := ca.ClientConfig("localhost") // one session cache, as a homeserver keeps
	resumed := func(addr string) bool {
		conn, err := tls.Dial("tcp", addr, client)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
		io.ReadAll(conn) // the ticket comes after the handshake
		return conn.ConnectionState().DidResume
	}
	if resumed(serve()) {
		t.Fatal("the first connection resumed a session")
	}
	if !resumed(serve()) {
		t.Error("a second mock with the same certificate did not resume the first one's session")
	}
}

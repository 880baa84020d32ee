package mockhttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"herald/harness/matrix"
)

// Sent is a request as a mock sent it.
type Sent struct {
	Method string
	URI    string
	Header http.Header
	Body   []byte
}

// Response is the peer's answer to one request of a mock, with the
// request, for failure messages.
type Response struct {
	Sent       Sent
	StatusCode int
	Header     http.Header
	Body       []byte
	Took       time.Duration
}

// Answer is the status and the body, as matchers read an answer.
func (r *Response) Answer() (status int, body []byte) { return r.StatusCode, r.Body }

// Object parses the body as a JSON object.
func (r *Response) Object() (matrix.Object, error) { return matrix.ParseObject(r.Body) }

// JSON parses the body as any JSON value.
func (r *Response) JSON() (any, error) { return matrix.ParseJSON(r.Body) }

// Errcode is the errcode of a Matrix error body, or "".
func (r *Response) Errcode() string {
	o, err := r.Object()
	if err != nil {
		return ""
	}
	s, _ := o.GetString("errcode")
	return s
}

// String shows the request and the response.
func (r *Response) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Sent.Method, r.Sent.URI)
	WriteHeader(&b, r.Sent.Header)
	WriteBody(&b, r.Sent.Body)
	fmt.Fprintf(&b, "answered %d in %s\n", r.StatusCode, r.Took.Round(time.Millisecond))
	WriteHeader(&b, r.Header)
	WriteBody(&b, r.Body)
	return b.String()
}

// GomegaString shows the exchange in failure messages.
func (r *Response) GomegaString() string { return r.String() }

// NewRequest builds a request of method to peer: target is the request
// target (path and query), sent byte for byte, and body is sent as is
// (nil: no body at all).
func NewRequest(ctx context.Context, method string, peer Peer, target string, body []byte) (*http.Request, error) {
	path, query, _ := strings.Cut(target, "?")
	req, err := http.NewRequestWithContext(ctx, method, "https://"+peer.Name+"/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, target, err)
	}
	req.URL.Opaque = path // sent as is: a signature covers exactly this
	req.URL.RawQuery = query
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	return req, nil
}

// Send sends req (see NewRequest) to peer within m's request timeout and
// reads the answer. The result is the outbound exchange to route, for the
// caller to complete and journal (its sequence number is taken when the
// request leaves), and the response; err, on the exchange too, is the
// error of a request that got no answer.
func Send[R Route, E Entry[R], Q Received[R]](m *Mock[R, E, Q], req *http.Request, peer Peer, route R, body []byte) (Exchange[R], *Response, error) {
	if t := m.settings.RequestTimeout; t > 0 {
		ctx, cancel := context.WithTimeout(req.Context(), t)
		defer cancel()
		req = req.WithContext(ctx)
	}
	ex := Exchange[R]{
		Seq: m.Journal.Begin(), Direction: Outbound, Route: route, Method: req.Method, URI: req.URL.RequestURI(),
		RequestHeader: req.Header.Clone(), RequestBody: body, Started: time.Now(),
	}
	res := &Response{Sent: Sent{Method: req.Method, URI: ex.URI, Header: ex.RequestHeader, Body: body}}
	hres, err := (&http.Client{Transport: transportTo(peer)}).Do(req)
	if err == nil {
		res.Body, err = io.ReadAll(io.LimitReader(hres.Body, m.kind.BodyLimit))
		hres.Body.Close()
		res.StatusCode, res.Header = hres.StatusCode, hres.Header
	}
	res.Took = time.Since(ex.Started)
	ex.Took, ex.Err = res.Took, err
	ex.Status, ex.ResponseHeader, ex.ResponseBody = res.StatusCode, res.Header, res.Body
	if err != nil {
		return ex, res, fmt.Errorf("%s %s to %s: %w", req.Method, ex.URI, peer.Name, err)
	}
	return ex, res, nil
}

// transports holds the mocks' HTTP transports, one per peer, shared by
// every mock of the process: a new mock's requests go over connections
// earlier mocks opened, instead of each mock opening its own (the TLS
// handshakes cost a tenth of a run's CPU). Which connection carries a
// request does not matter to a homeserver: each request is authenticated on
// its own (X-Matrix), or not at all (onbind). Peers are told apart by name
// and address.
var transports sync.Map // peerKey → *http.Transport

type peerKey struct {
	name string
	addr netip.AddrPort
}

// transportTo is the shared transport to peer.
func transportTo(peer Peer) *http.Transport {
	key := peerKey{peer.Name, peer.Addr}
	if t, ok := transports.Load(key); ok {
		return t.(*http.Transport)
	}
	t, _ := transports.LoadOrStore(key, newTransport(peer))
	return t.(*http.Transport)
}

// newTransport dials peer whatever the URL's host, with the peer's TLS
// configuration. Idle connections are dropped after a few seconds, well
// before a homeserver would time them out, so a request never meets a
// connection the server is closing.
func newTransport(peer Peer) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	return &http.Transport{
		DialTLSContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			if !peer.Addr.IsValid() || peer.TLS == nil {
				return nil, errors.New("the mock has no peer to dial")
			}
			conn, err := dialer.DialContext(ctx, "tcp", peer.Addr.String())
			if err != nil {
				return nil, err
			}
			tc := tls.Client(conn, peer.TLS.Clone())
			if err := tc.HandshakeContext(ctx); err != nil {
				conn.Close()
				return nil, fmt.Errorf("TLS handshake with %s at %s: %w", peer.Name, peer.Addr, err)
			}
			return tc, nil
		},
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     5 * time.Second,
	}
}

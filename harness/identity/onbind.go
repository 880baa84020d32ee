package identity

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
	"herald/harness/pki"
)

// Response is the homeserver's answer to one call of the mock, with the
// request, for failure messages.
type Response struct {
	Method     string
	URI        string
	SentBody   []byte
	StatusCode int
	Header     http.Header
	Body       []byte
	Took       time.Duration
}

// Object parses the body as a JSON object.
func (r *Response) Object() (matrix.Object, error) { return matrix.ParseObject(r.Body) }

// String shows the request and the answer.
func (r *Response) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URI)
	mockhttp.WriteBody(&b, r.SentBody)
	fmt.Fprintf(&b, "answered %d in %s\n", r.StatusCode, r.Took.Round(time.Millisecond))
	mockhttp.WriteHeader(&b, r.Header)
	mockhttp.WriteBody(&b, r.Body)
	return b.String()
}

// GomegaString shows the exchange in failure messages.
func (r *Response) GomegaString() string { return r.String() }

// OnBindPath is the homeserver endpoint the mock notifies.
const OnBindPath = "/_matrix/federation/v1/3pid/onbind"

// OnBindBody is what the mock sends when address (of medium) gets bound
// to mxid (third_party_invite.yaml /3pid/onbind): medium, address, mxid and
// every pending invite for the address, each with a block signed by the
// long-term key; the whole body is signed with the long-term key too
// (identity-service-api.md "Invitation storage"). Options leave fields out
// before the body is signed.
func (s *Server) OnBindBody(medium, address, mxid string, opts ...OnBindOption) matrix.Object {
	var c onBindConfig
	for _, o := range opts {
		o(&c)
	}
	invites := []any{}
	for _, inv := range s.pendingFor(medium, address) {
		entry := map[string]any{
			"medium": medium, "address": address, "mxid": mxid, "room_id": inv.RoomID, "sender": inv.Sender,
			"signed": map[string]any(s.Signed(mxid, inv.Token, c.signed...)),
		}
		for _, f := range c.omitInvite {
			delete(entry, f)
		}
		invites = append(invites, entry)
	}
	body := matrix.Object{"medium": medium, "address": address, "mxid": mxid, "invites": invites}
	for _, f := range c.omit {
		delete(body, f)
	}
	if err := s.longTerm.SignJSON(body); err != nil {
		panic(fmt.Sprintf("identity: signing the onbind body: %v", err))
	}
	return body
}

// OnBindOption changes the body OnBindBody builds.
type OnBindOption func(*onBindConfig)

type onBindConfig struct {
	omit, omitInvite []string
	signed           []SignOption
}

// WithoutField leaves field out of the onbind body itself.
func WithoutField(field string) OnBindOption {
	return func(c *onBindConfig) { c.omit = append(c.omit, field) }
}

// WithoutInviteField leaves field out of every entry of invites.
func WithoutInviteField(field string) OnBindOption {
	return func(c *onBindConfig) { c.omitInvite = append(c.omitInvite, field) }
}

// InviteSigned builds every invite's signed block with opts (see Signed).
func InviteSigned(opts ...SignOption) OnBindOption {
	return func(c *onBindConfig) { c.signed = append(c.signed, opts...) }
}

// NotifyBind binds address to mxid and tells the homeserver with POST
// /3pid/onbind (the method identity servers use and the prose of
// identity-service-api.md names; third_party_invite.yaml says PUT, see
// CallHomeserver). The error is non-nil only when no answer came.
func (s *Server) NotifyBind(ctx context.Context, medium, address, mxid string) (*Response, error) {
	body := s.OnBindBody(medium, address, mxid)
	s.Bind(medium, address, mxid)
	data, err := body.Encode()
	if err != nil {
		return nil, err
	}
	return s.CallHomeserver(ctx, http.MethodPost, OnBindPath, data)
}

// CallHomeserver sends any request to the homeserver's federation port,
// unauthenticated as onbind is, with body as is (nil: none).
func (s *Server) CallHomeserver(ctx context.Context, method, target string, body []byte) (*Response, error) {
	if s.target.Name == "" {
		return nil, errors.New("identity: the mock has no homeserver to call")
	}
	if s.cfg.requestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.requestTimeout)
		defer cancel()
	}
	path, query, _ := strings.Cut(target, "?")
	req, err := http.NewRequestWithContext(ctx, method, "https://"+s.target.Name+"/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, target, err)
	}
	req.URL.Opaque, req.URL.RawQuery = path, query
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	route := OnBind
	if path != OnBindPath {
		route = Unrouted
	}
	ex := Exchange{
		Seq: s.Journal.begin(), Direction: Outbound, Route: route, Method: method, URI: req.URL.RequestURI(),
		RequestHeader: req.Header.Clone(), RequestBody: body, Started: time.Now(),
	}
	res := &Response{Method: method, URI: ex.URI, SentBody: body}
	hres, err := (&http.Client{Transport: s.transport}).Do(req)
	if err == nil {
		res.Body, err = io.ReadAll(io.LimitReader(hres.Body, maxBody))
		hres.Body.Close()
		res.StatusCode, res.Header = hres.StatusCode, hres.Header
	}
	res.Took = time.Since(ex.Started)
	ex.Took, ex.Err = res.Took, err
	ex.Status, ex.ResponseHeader, ex.ResponseBody = res.StatusCode, res.Header, res.Body
	s.Journal.record(ex)
	if err != nil {
		return res, fmt.Errorf("%s %s to %s: %w", method, ex.URI, s.target.Name, err)
	}
	return res, nil
}

// newTransport dials the homeserver's federation port whatever the URL's
// host, verifying its certificate against the run's CA.
func (s *Server) newTransport(ca *pki.CA) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	return &http.Transport{
		DialTLSContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			t := s.target
			if !t.Addr.IsValid() {
				return nil, errors.New("the mock has no homeserver address to dial")
			}
			conf := t.TLS
			if conf == nil {
				conf = ca.ClientConfig(t.Name)
			}
			conn, err := dialer.DialContext(ctx, "tcp", t.Addr.String())
			if err != nil {
				return nil, err
			}
			tc := tls.Client(conn, conf.Clone())
			if err := tc.HandshakeContext(ctx); err != nil {
				conn.Close()
				return nil, fmt.Errorf("TLS handshake with %s at %s: %w", t.Name, t.Addr, err)
			}
			return tc, nil
		},
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     30 * time.Second,
	}
}

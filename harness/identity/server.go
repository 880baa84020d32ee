// Package identity is Herald's mock identity server: it stores third-party invites, answers lookups and key-validity checks, signs third-party invite blocks (correctly or deliberately wrongly), notifies the homeserver through /3pid/onbind, and journals every request.
package identity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
	"herald/harness/pki"
)

// maxBody bounds what the mock reads of a request or response body.
const maxBody = 4 << 20

// Target is the homeserver the mock notifies of bindings: its server name
// (SNI, Host), where the test process reaches its federation port, and
// what verifies its certificate.
type Target = mockhttp.Peer

// Env is what a mock needs from its surroundings.
type Env struct {
	// CA issues the mock's certificate and is the only root it trusts.
	CA *pki.CA
	// Listen is the address to listen on: the Docker network's gateway,
	// or 127.0.0.1 in unit tests.
	Listen netip.Addr
	// Ports is where the port is chosen; the zero range lets the kernel
	// pick any free port. Suites use TrustedPorts.
	Ports PortRange
	// Homeserver is where onbind notifications go.
	Homeserver Target
}

// Option configures a mock identity server.
type Option func(*config)

type config struct {
	answers        map[Route]Handler
	allowProblems  bool
	judgedBy       func(judge func()) bool
	requestTimeout time.Duration
	host           string
	keyID          string
}

func newConfig(opts []Option) *config {
	c := &config{answers: map[Route]Handler{}, requestTimeout: 30 * time.Second, host: "host.docker.internal", keyID: "ed25519:0"}
	for _, o := range opts {
		o(c)
	}
	return c
}

// RequestTimeout bounds each request the mock sends (default 30s).
func RequestTimeout(d time.Duration) Option { return func(c *config) { c.requestTimeout = d } }

// AllowProblems stops NewServer from failing the spec when the journal
// has problems at the end: for specs that provoke them on purpose.
func AllowProblems() Option { return func(c *config) { c.allowProblems = true } }

// JudgedBy gives NewServer where to register its problem check so that
// it runs when the spec's body ends, as part of the spec's outcome
// (conformance.AtEnd); register reports whether it took it.
func JudgedBy(register func(judge func()) bool) Option {
	return func(c *config) { c.judgedBy = register }
}

// Host sets the host part of the mock's name (default host.docker.internal).
func Host(host string) Option { return func(c *config) { c.host = host } }

// KeyID sets the ID of the long-term key (default ed25519:0).
func KeyID(id string) Option { return func(c *config) { c.keyID = id } }

// Server is a mock identity server.
type Server struct {
	// Journal records every exchange, in both directions.
	Journal *Journal

	name     string
	addr     netip.AddrPort
	longTerm *matrix.Signer
	cfg      *config
	target   Target
	answers  *mockhttp.Script[Route, Handler]

	mu       sync.Mutex
	tokens   map[string]bool
	invites  map[string]*Invite // by token
	order    []string           // invite tokens in the order stored
	bindings map[binding]string
	revoked  map[string]bool // decoded public keys
	pepper   string
	ephSeq   int

	transport *http.Transport
	listener  *mockhttp.Listener
}

// Start runs a mock identity server: HTTPS on env.Listen, on a port of
// env.Ports, named <host>:<port> (what a client passes as id_server), with
// a certificate from env.CA and a fresh long-term ed25519 key.
func Start(ctx context.Context, env Env, opts ...Option) (*Server, error) {
	if env.CA == nil || !env.Listen.IsValid() {
		return nil, errors.New("identity: start mock server: Env needs a CA and a listen address")
	}
	cfg := newConfig(opts)
	ln, err := env.Ports.listen(ctx, env.Listen)
	if err != nil {
		return nil, fmt.Errorf("identity: start mock server: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).AddrPort().Port()
	name := cfg.host + ":" + strconv.Itoa(int(port))
	cert, err := env.CA.Leaf(cfg.host)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("identity: start mock server %s: %w", name, err)
	}
	longTerm, err := matrix.GenerateSigner(name, cfg.keyID)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("identity: start mock server %s: %w", name, err)
	}
	s := &Server{
		Journal:  newJournal(),
		name:     name,
		addr:     netip.AddrPortFrom(env.Listen, port),
		longTerm: longTerm,
		cfg:      cfg,
		target:   env.Homeserver,
		answers:  mockhttp.NewScript(cfg.answers),
		tokens:   map[string]bool{},
		invites:  map[string]*Invite{},
		bindings: map[binding]string{},
		revoked:  map[string]bool{},
		pepper:   mockhttp.RandomToken(16),
	}
	s.transport = s.newTransport(env.CA)
	s.listener = mockhttp.Serve(ln, cert, s.router(), s.Journal.j.Logf)
	return s, nil
}

// Close stops the listener, waits briefly for requests in progress and
// drops idle outbound connections. It is safe to call more than once.
func (s *Server) Close() error {
	err := s.listener.Close()
	s.transport.CloseIdleConnections()
	return err
}

// Name is the mock's name, host.docker.internal:<port>: the id_server a
// client gives the homeserver, and the name its signatures are filed under.
func (s *Server) Name() string { return s.name }

// Addr is where the mock listens.
func (s *Server) Addr() netip.AddrPort { return s.addr }

// URL is the https URL of path on the mock, as the homeserver reaches it.
func (s *Server) URL(path string) string { return "https://" + s.name + path }

// Answer scripts route from now on.
func (s *Server) Answer(route Route, h Handler) { s.answers.Set(route, h) }

// Unscript restores the default answer of route.
func (s *Server) Unscript(route Route) { s.answers.Unset(route) }

func (s *Server) scripted(route Route) (Handler, bool) { return s.answers.Get(route) }

// AccessToken issues a fresh access token the mock accepts: what a client
// would pass to the homeserver as id_access_token.
func (s *Server) AccessToken() string {
	t := "herald_is_" + mockhttp.RandomToken(20)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[t] = true
	return t
}

func (s *Server) validToken(t string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[t]
}

// routes serves every mock of this kind; it hands each request to the mock
// it was sent to.
var routes *mockhttp.Router[Route, *Server]

// init builds routes: serve consults it for unknown endpoints, so it
// cannot be a plain initialised variable.
func init() { routes = mockhttp.NewRouter(served(), Unrouted, (*Server).serve) }

func (s *Server) router() http.Handler { return routes.For(s) }

// serve reads, authenticates, scripts and journals every request. Nothing
// in it asserts: specs read the journal, and NewServer fails a spec on its
// problems. What is the homeserver's fault is a problem, answered as a real
// identity server answers: an unknown endpoint (404 M_UNRECOGNIZED), an
// authenticated endpoint without a token it issued (401 M_UNAUTHORIZED), a
// malformed body or parameter (400). A call to the removed v1 API, or a
// token in the query string, is a note: the specs 3PID-INVITE-STORE and
// 3PID-IS-BEARER judge those, once.
func (s *Server) serve(route Route, w http.ResponseWriter, hr *http.Request) {
	def := s.defaultHandler(route)
	ex := Exchange{
		Seq: s.Journal.begin(), Direction: Inbound, Route: route, Method: hr.Method, URI: hr.RequestURI,
		RequestHeader: hr.Header.Clone(), Started: time.Now(),
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody))
	ex.RequestBody = body
	ex.Token, ex.Via = credential(hr)
	req := &Request{Route: route, HTTP: hr, Body: body, Token: ex.Token, Via: ex.Via, server: s, def: def, ex: &ex}
	if route.Legacy() {
		req.Note("legacy v1 Identity Service API, removed from the spec: the homeserver should call /_matrix/identity/v2")
	}
	var reply *Reply
	switch {
	case err != nil:
		reply = req.Refuse("the request body can be read", http.StatusBadRequest, "M_BAD_JSON", "reading the body: %v", err)
	case route == Unrouted && routes.OtherMethod(hr):
		reply = req.Refuse("the endpoint is one the Identity Service API defines", http.StatusMethodNotAllowed, "M_UNRECOGNIZED",
			"the Identity Service API has %s, but not with method %s", hr.URL.Path, hr.Method)
	case route == Unrouted:
		reply = req.Refuse("the endpoint is one the Identity Service API defines", http.StatusNotFound, "M_UNRECOGNIZED",
			"no Identity Service API endpoint has method %s and path %s", hr.Method, hr.URL.Path)
	case authenticated[route] && ex.Via == NoToken:
		reply = req.Refuse("the request carries an access token (identity-service-api.md §Authentication)", http.StatusUnauthorized, "M_UNAUTHORIZED",
			"%s requires an access token", route.Name())
	case authenticated[route] && !s.validToken(ex.Token):
		reply = req.Refuse("the access token is one this identity server issued", http.StatusUnauthorized, "M_UNAUTHORIZED",
			"the access token %q was not issued by this identity server", ex.Token)
	}
	if reply == nil {
		h := def
		if sh, ok := s.scripted(route); ok {
			h, ex.Scripted = sh, true
		}
		reply = run(req, h)
	}
	// Journaled before the answer leaves (see the federation mock).
	ex.Status, ex.ResponseHeader, ex.ResponseBody = reply.Status, reply.Header, reply.Body
	ex.Took = time.Since(ex.Started)
	s.Journal.record(ex)
	reply.Write(w)
}

// credential finds the access token of a request: the Authorization
// header first, else the access_token query parameter.
func credential(r *http.Request) (string, Credential) {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, token, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token), BearerHeader
		}
	}
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t, QueryParameter
	}
	return "", NoToken
}

// run calls h, turning a panic into a 500 and a failed check: a bug of
// the mock's, which the spec must not pass over.
func run(req *Request, h Handler) (reply *Reply) {
	defer func() {
		if p := recover(); p != nil {
			req.Check("the mock's handler", fmt.Errorf("panicked: %v\n%s", p, debug.Stack()))
			reply = errorReply(http.StatusInternalServerError, "M_UNKNOWN", "Herald's mock failed: %v", p)
		}
	}()
	if reply = h(req); reply == nil {
		reply = errorReply(http.StatusInternalServerError, "M_UNKNOWN", "Herald's handler returned no reply")
	}
	return reply
}

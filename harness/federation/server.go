// Package federation is Herald's mock remote homeserver: it serves its keys and the federation API, verifies and journals every request the homeserver under test sends, hosts rooms in every room version, answers scripted routes and signs its own requests.
package federation

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
	"sync"
	"sync/atomic"
	"time"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
	"herald/harness/pki"
)

// maxBody bounds what the mock reads of a request or response body.
const maxBody = 16 << 20

// Peer is the server a mock federates with: normally the homeserver under
// test, in unit tests another mock. Name is its server name (X-Matrix
// destination and Host), Addr where the test process dials it, TLS what
// verifies its certificate (SNI = Name's host, the run's CA).
type Peer = mockhttp.Peer

// Env is what a mock needs from its surroundings.
type Env struct {
	// Peer is the server under test; it may also be set later with
	// Federate.
	Peer Peer
	// CA issues the mock's certificate and is the only root it trusts.
	CA *pki.CA
	// Listen is the address to listen on (the Docker network's gateway,
	// or 127.0.0.1 in unit tests); the port is always fresh.
	Listen netip.Addr
}

// Server is a mock remote homeserver.
type Server struct {
	// Journal records every exchange, in both directions.
	Journal *Journal

	name   string
	addr   netip.AddrPort
	signer atomic.Pointer[matrix.Signer] // the current key; RotateKey replaces it
	ca     *pki.CA
	cfg    *config

	answers *mockhttp.Script[Route, Handler]

	mu      sync.Mutex
	peer    Peer
	rooms   map[string]*Room
	txns    map[string]*Reply // inbound transaction results by origin and ID
	txnSeq  int
	invites []ReceivedInvite
	oldKeys map[string]matrix.OldVerifyKey // keys RotateKey retired

	keys     *keyCache
	listener *mockhttp.Listener
}

// Start runs a mock: it listens with TLS on env.Listen on a fresh port,
// names itself <host>:<port>, and gets a certificate from env.CA and a
// fresh ed25519 key. Close it when done; NewServer does so for specs.
func Start(ctx context.Context, env Env, opts ...Option) (*Server, error) {
	if env.CA == nil || !env.Listen.IsValid() {
		return nil, errors.New("federation: start mock server: Env needs a CA and a listen address")
	}
	cfg := newConfig(opts)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", netip.AddrPortFrom(env.Listen, 0).String())
	if err != nil {
		return nil, fmt.Errorf("federation: start mock server: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr).AddrPort()
	name := cfg.host + ":" + strconv.Itoa(int(addr.Port()))
	cert, err := env.CA.Leaf(cfg.host)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("federation: start mock server %s: %w", name, err)
	}
	keyID := cfg.keyID
	if keyID == "" {
		keyID = "ed25519:" + mockhttp.RandomToken(6)
	}
	signer, err := matrix.GenerateSigner(name, keyID)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("federation: start mock server %s: %w", name, err)
	}
	s := &Server{
		Journal: newJournal(),
		name:    name,
		addr:    netip.AddrPortFrom(env.Listen, addr.Port()),
		ca:      env.CA,
		cfg:     cfg,
		peer:    env.Peer,
		answers: mockhttp.NewScript(cfg.answers),
		rooms:   map[string]*Room{},
		txns:    map[string]*Reply{},
		oldKeys: map[string]matrix.OldVerifyKey{},
	}
	s.signer.Store(signer)
	s.keys = &keyCache{server: s}
	s.listener = mockhttp.Serve(ln, cert, s.router(), s.Journal.j.Logf)
	return s, nil
}

// Close stops the listener and waits for requests in progress (briefly).
// The port stays bound, refusing connections, until the process exits
// (mockhttp.Listener.Retire), so no later mock receives what the homeserver
// still sends this one. Outbound connections stay open for later mocks
// (see transports). It is safe to call more than once.
func (s *Server) Close() error { return s.listener.Retire() }

// Name is the mock's server name, host.docker.internal:<port>.
func (s *Server) Name() string { return s.name }

// Addr is where the mock listens.
func (s *Server) Addr() netip.AddrPort { return s.addr }

// KeyID is the ID of the mock's signing key.
func (s *Server) KeyID() string { return s.Signer().KeyID }

// Signer signs as the mock (for specs that build their own JSON).
func (s *Server) Signer() *matrix.Signer { return s.signer.Load() }

// User returns the ID of a user on the mock: @localpart:<mock name>.
func (s *Server) User(localpart string) string { return "@" + localpart + ":" + s.name }

// AsPeer describes the mock as a peer, for another mock to federate with.
func (s *Server) AsPeer() Peer {
	return Peer{Name: s.name, Addr: s.addr, TLS: s.ca.ClientConfig(s.name)}
}

// Federate sets the peer: the server the mock sends to and expects
// requests from.
func (s *Server) Federate(p Peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peer = p
}

// Peer is the server the mock federates with.
func (s *Server) Peer() Peer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peer
}

// Answer scripts route from now on (see the package-level Answer option).
func (s *Server) Answer(route Route, h Handler) { s.answers.Set(route, h) }

// Unscript restores the default answer of route.
func (s *Server) Unscript(route Route) { s.answers.Unset(route) }

func (s *Server) scripted(route Route) (Handler, bool) { return s.answers.Get(route) }

// router maps every route to its default handler, wrapped so each
// request is read, authenticated, scripted and journaled.
// routes serves every mock of this kind; it hands each request to the mock
// it was sent to.
var routes *mockhttp.Router[Route, *Server]

// init builds routes: serve consults it for unknown endpoints, so it
// cannot be a plain initialised variable.
func init() { routes = mockhttp.NewRouter(allRoutes(), Unrouted, (*Server).serve) }

func (s *Server) router() http.Handler { return routes.For(s) }

// serve is the wrapper every route runs in. Nothing in it asserts: results
// go into the journal.
func (s *Server) serve(route Route, w http.ResponseWriter, hr *http.Request) {
	def := s.defaultHandler(route)
	ex := Exchange{
		Seq:           s.Journal.begin(),
		Direction:     Inbound,
		Route:         route,
		Method:        hr.Method,
		URI:           hr.RequestURI,
		RequestHeader: hr.Header.Clone(),
		Started:       time.Now(),
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody))
	ex.RequestBody = body
	req := &Request{Route: route, HTTP: hr, Body: body, server: s, def: def, ex: &ex}
	var reply *Reply
	switch {
	case err != nil:
		req.Check("the request body can be read", err)
		reply = errorReply(http.StatusBadRequest, "M_BAD_JSON", "reading the body: %v", err)
	case !unauthenticated[route]:
		// Every request but a key or version query is authenticated,
		// wherever it goes: an unrouted one too, so that its 401 or 404 is
		// what a real server would answer.
		origin, ok := s.authenticate(hr.Context(), req)
		ex.Origin = origin
		if !ok {
			reply = errorReply(http.StatusUnauthorized, "M_UNAUTHORIZED", "X-Matrix authentication failed (see Herald's journal)")
			break
		}
		req.Origin = origin
	}
	if route == Unrouted {
		req.Check("the endpoint is one the spec defines", fmt.Errorf(
			"%s %s: no server-server API endpoint has this method and path (the mock answers 404 M_UNRECOGNIZED, or 405 for a known path, as server-server-api.md §Unsupported endpoints says; background traffic it tolerates: federation.Background)",
			hr.Method, hr.URL.Path))
	}
	if reply == nil && (route == InviteV1 || route == InviteV2) {
		// The invite is checked whatever answers it: a scripted refusal
		// or fallback too.
		s.guard(req, "checking the invite", func() { s.receiveInvite(req) })
	}
	if reply == nil {
		h := def
		if sh, ok := s.scripted(route); ok {
			h = sh
			ex.Scripted = true
		}
		reply = s.run(req, h)
	}
	// Journaled before the answer leaves: whatever the homeserver did
	// after receiving it, a spec that looks next finds the exchange.
	ex.Status = reply.Status
	ex.ResponseHeader = reply.Header
	ex.ResponseBody = reply.Body
	ex.Took = time.Since(ex.Started)
	s.Journal.record(ex)
	writeReply(w, reply)
}

// guard runs f, turning a panic into a failed check named what: a bug of
// the mock's, which the spec must not pass over.
func (s *Server) guard(req *Request, what string, f func()) (panicked any) {
	defer func() {
		if p := recover(); p != nil {
			req.Check(what, fmt.Errorf("the mock panicked: %v\n%s", p, debug.Stack()))
			panicked = p
		}
	}()
	f()
	return nil
}

// run calls h, turning a panic into a 500 and a failed check.
func (s *Server) run(req *Request, h Handler) (reply *Reply) {
	if p := s.guard(req, "the mock's handler", func() { reply = h(req) }); p != nil {
		return errorReply(http.StatusInternalServerError, "M_UNKNOWN", "Herald's mock failed: %v", p)
	}
	if reply == nil {
		reply = errorReply(http.StatusInternalServerError, "M_UNKNOWN", "Herald's handler returned no reply")
	}
	return reply
}

// writeReply sends r, with "Content-Length: 0" when it has no body.
func writeReply(w http.ResponseWriter, r *Reply) {
	if r.Body == nil {
		h := r.Header.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("Content-Length", "0")
		r = &Reply{Status: r.Status, Header: h}
	}
	r.Write(w)
}

// Package federation is Herald's mock remote homeserver: it serves its keys and the federation API, verifies and journals every request the homeserver under test sends, hosts rooms in every room version, answers scripted routes and signs its own requests.
package federation

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/onsi/ginkgo/v2"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
)

// kind is how the federation mock names itself and treats what it is
// sent.
var kind = mockhttp.Kind{
	Package:    "federation",
	Noun:       "the mock remote homeserver",
	Transcript: "federation transcript",
	Failure:    "what the homeserver sent the mock %s failed verification (the transcript is in the report)",
	BodyLimit:  16 << 20,
	Retire:     true,
}

// Env is what a mock needs from its surroundings: its peer (the server
// under test, which Federate may also set later), the CA that issues its
// certificate and is the only root it trusts, and the address it listens
// on (always at a fresh port).
type Env = mockhttp.Env

// mock is the core every Herald mock shares (Open hands it over).
type mock = mockhttp.Mock[Route, Exchange, *Request]

// Server is a mock remote homeserver. What every Herald mock has comes
// from mockhttp.Mock: the Journal of every exchange, in both directions,
// Name, Addr, Peer, AsPeer, Answer, Unscript, Close, …
type Server struct {
	*mockhttp.Mock[Route, Exchange, *Request]

	signer atomic.Pointer[matrix.Signer] // the current key; RotateKey replaces it
	cfg    *config

	mu      sync.Mutex
	rooms   map[string]*Room
	txns    map[string]*Reply // inbound transaction results by origin and ID
	txnSeq  int
	invites []ReceivedInvite
	oldKeys map[string]matrix.OldVerifyKey // keys RotateKey retired

	keys *keyCache
}

// NewServer starts a mock for the current Ginkgo spec (see Start), closes
// it when the spec ends and fails the spec on any problem in its journal,
// unless AllowProblems was given: when the spec's body ends if JudgedBy
// registers the judge, else after it (see mockhttp.StartInSpec).
func NewServer(ctx context.Context, env Env, opts ...Option) *Server {
	ginkgo.GinkgoHelper()
	return mockhttp.StartInSpec(kind.Noun, func() (*Server, error) { return Start(ctx, env, opts...) })
}

// Start runs a mock: it listens with TLS on env.Listen on a fresh port,
// names itself <host>:<port>, and gets a certificate from env.CA and a
// fresh ed25519 key. Close it when done; NewServer does so for specs.
// Closed, it keeps its port bound, refusing connections, until the process
// exits, so no later mock receives what the homeserver still sends this
// one.
func Start(ctx context.Context, env Env, opts ...Option) (*Server, error) {
	cfg := newConfig(opts)
	s := &Server{
		cfg:     cfg,
		rooms:   map[string]*Room{},
		txns:    map[string]*Reply{},
		oldKeys: map[string]matrix.OldVerifyKey{},
	}
	s.keys = &keyCache{server: s}
	_, err := mockhttp.Open(ctx, &kind, env, cfg.Settings, func(m *mock) (http.Handler, error) {
		s.Mock = m
		keyID := cfg.keyID
		if keyID == "" {
			keyID = "ed25519:" + mockhttp.RandomToken(6)
		}
		signer, err := matrix.GenerateSigner(m.Name(), keyID)
		s.signer.Store(signer)
		return routes.For(s), err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// KeyID is the ID of the mock's signing key.
func (s *Server) KeyID() string { return s.Signer().KeyID }

// Signer signs as the mock (for specs that build their own JSON).
func (s *Server) Signer() *matrix.Signer { return s.signer.Load() }

// User returns the ID of a user on the mock: @localpart:<mock name>.
func (s *Server) User(localpart string) string { return "@" + localpart + ":" + s.Name() }

// Host is the mock's server name without its port: what the server ACLs
// of a room match it by (m.room.server_acl: "the suspect server's port
// number must not be considered").
func (s *Server) Host() string {
	host, _, err := net.SplitHostPort(s.Name())
	if err != nil {
		return s.Name()
	}
	return host
}

// Federate sets the peer: the server the mock sends to and expects
// requests from.
func (s *Server) Federate(p mockhttp.Peer) { s.SetPeer(p) }

// routes serves every mock of this kind; it hands each request to the mock
// it was sent to.
var routes *mockhttp.Router[Route, *Server]

// init builds routes: serve consults it for unknown endpoints, so it
// cannot be a plain initialised variable.
func init() { routes = mockhttp.NewRouter(allRoutes(), Unrouted, (*Server).serve) }

// serve is the wrapper every route runs in: each request is read,
// authenticated, checked, scripted and journaled. Nothing in it asserts:
// results go into the journal.
func (s *Server) serve(route Route, w http.ResponseWriter, hr *http.Request) {
	var ex Exchange
	req := &Request{server: s}
	reply := mockhttp.Receive(s.Mock, &ex.Exchange, req, route, hr, s.defaultHandler(route))
	if reply == nil && !unauthenticated[route] {
		// Every request but a key or version query is authenticated,
		// wherever it goes: an unrouted one too, so that its 401 or 404 is
		// what a real server would answer.
		origin, ok := s.authenticate(hr.Context(), req)
		ex.Origin = origin
		if ok {
			req.Origin = origin
		} else {
			reply = errorReply(http.StatusUnauthorized, "M_UNAUTHORIZED", "X-Matrix authentication failed (see Herald's journal)")
		}
	}
	if route == Unrouted {
		req.Check("the endpoint is one the spec defines", fmt.Errorf(
			"%s %s: no server-server API endpoint has this method and path (the mock answers 404 M_UNRECOGNIZED, or 405 for a known path, as server-server-api.md §Unsupported endpoints says; background traffic it tolerates: federation.Background)",
			hr.Method, hr.URL.Path))
	}
	if reply == nil && (route == InviteV1 || route == InviteV2) {
		// The invite is checked whatever answers it: a scripted refusal
		// or fallback too.
		req.Guard("checking the invite", func() { s.receiveInvite(req) })
	}
	mockhttp.Respond(s.Mock, w, &ex, req, reply)
}

// Package identity is Herald's mock identity server: it stores third-party invites, answers lookups and key-validity checks, signs third-party invite blocks (correctly or deliberately wrongly), notifies the homeserver through /3pid/onbind, and journals every request.
package identity

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
)

// kind is how the identity mock names itself and treats what it is sent.
var kind = mockhttp.Kind{
	Package:    "identity",
	Noun:       "the mock identity server",
	Transcript: "identity server transcript",
	Failure:    "what the homeserver sent the mock identity server %s failed its checks (the transcript is in the report)",
	BodyLimit:  4 << 20,
}

// Env is what a mock needs from its surroundings: the CA that issues its
// certificate and is the only root it trusts, the address it listens on,
// the ports it may take (suites give TrustedPorts), and its peer, the
// homeserver its onbind notifications go to.
type Env = mockhttp.Env

// NewServer starts a mock identity server for the spec being run (see
// Start) and judges it as every Herald mock is judged
// (mockhttp.StartInSpec): closed at the end, its transcript in the report
// when it matters, and its problems the spec's failure unless
// AllowProblems was given.
func NewServer(ctx context.Context, env Env, opts ...Option) *Server {
	ginkgo.GinkgoHelper()
	return mockhttp.StartInSpec(kind.Noun, func() (*Server, error) { return Start(ctx, env, opts...) })
}

// TrustedPorts is where suites run identity servers. Dendrite contacts only
// the identity servers its config lists (trusted_third_party_id_servers,
// exact host:port), so Herald's Dendrite image lists
// host.docker.internal:28400 … :28463 (dockerfiles/dendrite/start.sh); keep
// the two in step. Servers that trust any identity server, such as Synapse,
// do not care. The range lies below Linux's ephemeral ports (32768–60999),
// and each run listens on its own network's gateway address, so runs side
// by side do not compete for it.
var TrustedPorts = mockhttp.PortRange{First: 28400, Count: 64}

// Option configures a mock identity server.
type Option func(*config)

type config struct {
	mockhttp.Settings[Route, *Request]
	keyID string
}

func newConfig(opts []Option) *config {
	c := &config{Settings: mockhttp.DefaultSettings[Route, *Request](), keyID: "ed25519:0"}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Host sets the host part of the mock's name (default host.docker.internal).
func Host(host string) Option { return func(c *config) { c.Host = host } }

// KeyID sets the ID of the long-term key (default ed25519:0).
func KeyID(id string) Option { return func(c *config) { c.keyID = id } }

// RequestTimeout bounds each call the mock makes to the homeserver
// (default 30s).
func RequestTimeout(d time.Duration) Option { return func(c *config) { c.RequestTimeout = d } }

// JudgedBy is where NewServer registers the judge of the identity server's
// problems, to run as part of the spec's outcome (see
// mockhttp.Settings.JudgedBy).
func JudgedBy(register func(judge func()) bool) Option {
	return func(c *config) { c.JudgedBy = register }
}

// AllowProblems is for specs that make the homeserver misbehave towards
// the identity server on purpose: NewServer does not fail them on its
// problems.
func AllowProblems() Option { return func(c *config) { c.AllowProblems = true } }

// Answer scripts route: the identity server answers it with h instead of
// what it would answer itself.
func Answer(route Route, h Handler) Option {
	return func(c *config) { c.Answers[route] = h }
}

// mock is the core every Herald mock shares (Open hands it over).
type mock = mockhttp.Mock[Route, Exchange, *Request]

// Server is a mock identity server. What every Herald mock has comes from
// mockhttp.Mock: the Journal of every exchange, in both directions, Name,
// Addr, Peer, Answer, Unscript, Close, … Its name,
// host.docker.internal:<port>, is the id_server a client gives the
// homeserver, and the name its signatures are filed under.
type Server struct {
	*mockhttp.Mock[Route, Exchange, *Request]

	longTerm *matrix.Signer
	cfg      *config

	mu       sync.Mutex
	tokens   map[string]bool
	invites  map[string]*Invite // by token
	order    []string           // invite tokens in the order stored
	bindings map[binding]string
	revoked  map[string]bool // decoded public keys
	pepper   string
	ephSeq   int
}

// Start runs a mock identity server: HTTPS on env.Listen, on a port of
// env.Ports, named <host>:<port> (what a client passes as id_server), with
// a certificate from env.CA and a fresh long-term ed25519 key. Closed, it
// frees its port.
func Start(ctx context.Context, env Env, opts ...Option) (*Server, error) {
	cfg := newConfig(opts)
	s := &Server{
		cfg:      cfg,
		tokens:   map[string]bool{},
		invites:  map[string]*Invite{},
		bindings: map[binding]string{},
		revoked:  map[string]bool{},
		pepper:   mockhttp.RandomToken(16),
	}
	_, err := mockhttp.Open(ctx, &kind, env, cfg.Settings, func(m *mock) (http.Handler, error) {
		s.Mock = m
		var err error
		s.longTerm, err = matrix.GenerateSigner(m.Name(), cfg.keyID)
		return routes.For(s), err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// URL is the https URL of path on the mock, as the homeserver reaches it.
func (s *Server) URL(path string) string { return "https://" + s.Name() + path }

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

// routes is the router every identity server shares, built in init since
// serve, which it calls, asks it about unknown endpoints.
var routes *mockhttp.Router[Route, *Server]

func init() { routes = mockhttp.NewRouter(served(), Unrouted, (*Server).serve) }

// serve reads, authenticates, scripts and journals every request. Nothing
// in it asserts: specs read the journal, and NewServer fails a spec on its
// problems. What is the homeserver's fault is a problem, answered as a real
// identity server answers: an unknown endpoint (404 M_UNRECOGNIZED), an
// authenticated endpoint without a token it issued (401 M_UNAUTHORIZED), a
// malformed body or parameter (400). A call to the removed v1 API, or a
// token in the query string, is a note: the specs 3PID-INVITE-STORE and
// 3PID-IS-BEARER judge those, once.
func (s *Server) serve(route Route, w http.ResponseWriter, hr *http.Request) {
	var ex Exchange
	req := &Request{}
	reply := mockhttp.Receive(s.Mock, &ex.Exchange, req, route, hr, s.defaultHandler(route))
	ex.Token, ex.Via = credential(hr)
	req.Token, req.Via = ex.Token, ex.Via
	if route.Legacy() {
		req.Note("legacy v1 Identity Service API, removed from the spec: the homeserver should call /_matrix/identity/v2")
	}
	switch {
	case reply != nil:
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
	mockhttp.Respond(s.Mock, w, &ex, req, reply)
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

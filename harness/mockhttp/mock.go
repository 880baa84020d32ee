package mockhttp

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"herald/harness/pki"
)

// Peer is the server a mock talks to: normally the homeserver under test,
// in unit tests another mock. Mocks know peers, not homeservers: the suite
// turns the homeserver under test into a peer.
type Peer struct {
	// Name is the peer's server name: SNI (its host), Host and X-Matrix
	// destination.
	Name string
	// Addr is where the test process dials it.
	Addr netip.AddrPort
	// TLS verifies its certificate; nil trusts the mock's CA for Name.
	TLS *tls.Config
}

// Env is what a mock needs from its surroundings.
type Env struct {
	// Peer is the server the mock talks to; it may also be set later
	// (Mock.SetPeer).
	Peer Peer
	// CA issues the mock's certificate and is the only root it trusts.
	CA *pki.CA
	// Listen is the address to listen on (the Docker network's gateway,
	// or 127.0.0.1 in unit tests).
	Listen netip.Addr
	// Ports is where the port is chosen; the zero range lets the kernel
	// pick any free port.
	Ports PortRange
}

// Kind describes one kind of mock: how its errors, reports and failure
// messages name it, and how it treats what it is sent.
type Kind struct {
	// Package starts its errors: "federation".
	Package string
	// Noun names it in messages: "the mock remote homeserver".
	Noun string
	// Transcript titles its transcript in a spec's report, before " of "
	// and the mock's name: "federation transcript".
	Transcript string
	// Failure is the message of a spec that fails on the mock's problems,
	// a format of the mock's name.
	Failure string
	// BodyLimit bounds what the mock reads of a request or response body.
	BodyLimit int64
	// Retire keeps the port of a closed mock bound (Listener.Retire); else
	// Close frees it.
	Retire bool
}

// Settings are what every kind of mock can be told when it starts; each
// mock package sets them through its options.
type Settings[R Route, Q Received[R]] struct {
	// Answers replace the mock's default answers, by route.
	Answers map[R]func(Q) *Reply
	// RequestTimeout bounds each request the mock sends.
	RequestTimeout time.Duration
	// AllowProblems stops NewServer from failing the spec when the
	// journal has problems at the end: for specs that provoke them on
	// purpose.
	AllowProblems bool
	// JudgedBy is where NewServer registers its problem check so that it
	// runs when the spec's body ends, as part of the spec's outcome
	// (conformance.AtEnd); it reports whether it took it.
	JudgedBy func(judge func()) bool
	// Host is the host part of the mock's name, for which its certificate
	// is issued.
	Host string
}

// DefaultSettings answers nothing but the defaults, gives each request
// 30 seconds and names the mock host.docker.internal:<port>, which
// homeserver containers resolve to the network's gateway.
func DefaultSettings[R Route, Q Received[R]]() Settings[R, Q] {
	return Settings[R, Q]{Answers: map[R]func(Q) *Reply{}, RequestTimeout: 30 * time.Second, Host: "host.docker.internal"}
}

// Mock is what every Herald mock server is: a name, a TLS listener, a
// journal of every exchange, scripted answers and a peer. Each mock's
// Server embeds it; R is its route type, E its exchange type, Q its
// request type.
type Mock[R Route, E Entry[R], Q Received[R]] struct {
	// Journal records every exchange, in both directions.
	Journal *Journal[R, E]

	kind     *Kind
	settings Settings[R, Q]
	name     string
	addr     netip.AddrPort
	ca       *pki.CA
	answers  *Script[R, func(Q) *Reply]
	listener *Listener

	mu   sync.Mutex
	peer Peer
}

// Open starts a mock of kind: it listens with TLS on env.Listen at a port
// of env.Ports, names itself <host>:<port>, gets a certificate for the
// host from env.CA, and serves what handler returns once it has made the
// mock's parts that need its name (its keys). Close it when done;
// StartInSpec does so for specs.
func Open[R Route, E Entry[R], Q Received[R]](ctx context.Context, kind *Kind, env Env, settings Settings[R, Q], handler func(*Mock[R, E, Q]) (http.Handler, error)) (*Mock[R, E, Q], error) {
	if env.CA == nil || !env.Listen.IsValid() {
		return nil, fmt.Errorf("%s: start mock server: Env needs a CA and a listen address", kind.Package)
	}
	ln, err := env.Ports.listen(ctx, env.Listen)
	if err != nil {
		return nil, fmt.Errorf("%s: start mock server: %w", kind.Package, err)
	}
	port := ln.Addr().(*net.TCPAddr).AddrPort().Port()
	m := &Mock[R, E, Q]{
		Journal:  NewJournal[R, E](),
		kind:     kind,
		settings: settings,
		name:     settings.Host + ":" + strconv.Itoa(int(port)),
		addr:     netip.AddrPortFrom(env.Listen, port),
		ca:       env.CA,
		answers:  NewScript(settings.Answers),
	}
	m.SetPeer(env.Peer)
	cert, err := env.CA.Leaf(settings.Host)
	var h http.Handler
	if err == nil {
		h, err = handler(m)
	}
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("%s: start mock server %s: %w", kind.Package, m.name, err)
	}
	m.listener = Serve(ln, cert, h, m.Journal.Logf)
	return m, nil
}

// Close stops the listener and waits for requests in progress (briefly).
// A mock whose kind retires ports keeps its port bound, refusing
// connections, until the process exits (Listener.Retire), so no later mock
// receives what the homeserver still sends this one; others free it.
// Outbound connections stay open for later mocks (see Send). It is safe to
// call more than once.
func (m *Mock[R, E, Q]) Close() error {
	if m.kind.Retire {
		return m.listener.Retire()
	}
	return m.listener.Close()
}

// Name is the mock's name, host.docker.internal:<port>: its server name.
func (m *Mock[R, E, Q]) Name() string { return m.name }

// Addr is where the mock listens.
func (m *Mock[R, E, Q]) Addr() netip.AddrPort { return m.addr }

// AsPeer describes the mock as a peer, for another mock to talk to.
func (m *Mock[R, E, Q]) AsPeer() Peer {
	return Peer{Name: m.name, Addr: m.addr, TLS: m.ca.ClientConfig(m.name)}
}

// SetPeer sets the server the mock sends to and expects requests from.
func (m *Mock[R, E, Q]) SetPeer(p Peer) {
	if p.Name != "" && p.TLS == nil {
		p.TLS = m.ca.ClientConfig(p.Name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.peer = p
}

// Peer is the server the mock talks to.
func (m *Mock[R, E, Q]) Peer() Peer {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peer
}

// Answer scripts route from now on: the mock answers it with h instead of
// its default.
func (m *Mock[R, E, Q]) Answer(route R, h func(Q) *Reply) { m.answers.Set(route, h) }

// Unscript restores the default answer of route.
func (m *Mock[R, E, Q]) Unscript(route R) { m.answers.Unset(route) }

// Received is the kind of a mock's own request type, which embeds Request.
type Received[R Route] interface{ received() *Request[R] }

func (r *Request[R]) received() *Request[R] { return r }

// Receive begins the exchange of hr, an inbound request to route, in m's
// journal: ex records it, and req, the request its handlers see, gets its
// body and def, the mock's own answer. When the body cannot be read, the
// result is the refusal to send.
func Receive[R Route, E Entry[R], Q Received[R]](m *Mock[R, E, Q], ex *Exchange[R], req Q, route R, hr *http.Request, def func(Q) *Reply) *Reply {
	*ex = Exchange[R]{
		Seq:           m.Journal.Begin(),
		Direction:     Inbound,
		Route:         route,
		Method:        hr.Method,
		URI:           hr.RequestURI,
		RequestHeader: hr.Header.Clone(),
		Started:       time.Now(),
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, m.kind.BodyLimit))
	ex.RequestBody = body
	*req.received() = Request[R]{Route: route, HTTP: hr, Body: body, ex: ex, def: func() *Reply { return def(req) }}
	if err != nil {
		return req.received().Refuse("the request body can be read", http.StatusBadRequest, "M_BAD_JSON", "reading the body: %v", err)
	}
	return nil
}

// Respond ends the exchange ex of req: unless the mock has already chosen
// its reply (a refusal), the answer scripted for the route gives it, or
// else the mock's own; a handler that panics or gives no reply is a failed check and
// a 500. The exchange is journaled before the answer leaves: whatever the
// homeserver did after receiving it, a spec that looks next finds the
// exchange.
func Respond[R Route, E Entry[R], Q Received[R]](m *Mock[R, E, Q], w http.ResponseWriter, ex *E, req Q, reply *Reply) {
	in := req.received()
	if reply == nil {
		answer := in.def
		if scripted, ok := m.answers.Get(in.Route); ok {
			answer, in.ex.Scripted = func() *Reply { return scripted(req) }, true
		}
		if p := in.Guard("the mock's handler", func() { reply = answer() }); p != nil {
			reply = ErrorReply(http.StatusInternalServerError, "M_UNKNOWN", "Herald's mock failed: %v", p)
		} else if reply == nil {
			reply = ErrorReply(http.StatusInternalServerError, "M_UNKNOWN", "Herald's handler returned no reply")
		}
	}
	in.ex.answered(reply)
	m.Journal.Record(*ex)
	reply.Write(w)
}

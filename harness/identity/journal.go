package identity

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Direction says who sent a journaled request.
type Direction int

const (
	// Inbound requests came from the homeserver to the mock.
	Inbound Direction = iota + 1
	// Outbound requests went from the mock to the homeserver (onbind).
	Outbound
)

// Credential says how an inbound request carried its access token.
type Credential string

const (
	// NoToken: the request carried no access token.
	NoToken Credential = ""
	// BearerHeader: "Authorization: Bearer <token>", as the spec says.
	BearerHeader Credential = "Authorization header"
	// QueryParameter: ?access_token=<token>, which the spec no longer
	// supports (identity-service-api.md "Authentication", v1.20).
	QueryParameter Credential = "access_token query parameter"
)

// Exchange is one request and its answer, as the journal recorded it.
// Bodies are the bytes on the wire.
type Exchange struct {
	// Seq orders exchanges by the time their request started (1, 2, …).
	Seq       int
	Direction Direction
	Route     Route
	Method    string
	// URI is the request target as sent: path and query.
	URI            string
	RequestHeader  http.Header
	RequestBody    []byte
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte
	// Err is the transport error of an outbound request that got no answer.
	Err error
	// Token is the access token an inbound request carried, and Via how.
	Token string
	Via   Credential
	// Notes are remarks: a legacy route, a scripted answer, a missing field.
	Notes    []string
	Scripted bool
	Started  time.Time
	Took     time.Duration
}

// Summary is a one-line description: "#3 ← POST /… [store-invite] ⇒ 200".
func (e Exchange) Summary() string {
	arrow := "←"
	if e.Direction == Outbound {
		arrow = "→"
	}
	s := fmt.Sprintf("#%d %s %s %s [%s]", e.Seq, arrow, e.Method, e.URI, e.Route.Name())
	if e.Err != nil {
		s += " ✗ no answer: " + e.Err.Error()
	} else {
		s += fmt.Sprintf(" ⇒ %d", e.Status)
	}
	if e.Scripted {
		s += " (scripted)"
	}
	return s
}

// String is the summary.
func (e Exchange) String() string { return e.Summary() }

// GomegaString is what Gomega prints for an exchange.
func (e Exchange) GomegaString() string { return e.Summary() }

// Render shows the exchange in full, for transcripts.
func (e Exchange) Render() string {
	var b strings.Builder
	b.WriteString(e.Summary() + "\n")
	if e.Direction == Inbound {
		if e.Via == NoToken {
			b.WriteString("    access token: none\n")
		} else {
			fmt.Fprintf(&b, "    access token: %q in the %s\n", e.Token, e.Via)
		}
	}
	for _, n := range e.Notes {
		fmt.Fprintf(&b, "    note: %s\n", n)
	}
	b.WriteString("    request:\n")
	writeHeader(&b, e.RequestHeader)
	writeBody(&b, e.RequestBody)
	if e.Err == nil {
		fmt.Fprintf(&b, "    response %d:\n", e.Status)
		writeHeader(&b, e.ResponseHeader)
		writeBody(&b, e.ResponseBody)
	}
	return b.String()
}

const bodyLimit = 4000

func writeHeader(b *strings.Builder, h http.Header) {
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range h[k] {
			fmt.Fprintf(b, "      %s: %s\n", k, v)
		}
	}
}

func writeBody(b *strings.Builder, body []byte) {
	if len(body) == 0 {
		b.WriteString("      (empty body)\n")
		return
	}
	s := string(body)
	if len(s) > bodyLimit {
		s = s[:bodyLimit] + fmt.Sprintf("… (%d bytes in all)", len(body))
	}
	b.WriteString("      " + strings.ReplaceAll(s, "\n", "\n      ") + "\n")
}

// Journal is the ordered, thread-safe record of every exchange the mock
// had. Every method returns a snapshot.
type Journal struct {
	mu      sync.Mutex
	seq     int
	entries []Exchange
	log     []string
	changed chan struct{}
}

func newJournal() *Journal { return &Journal{changed: make(chan struct{})} }

func (j *Journal) begin() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	return j.seq
}

func (j *Journal) record(e Exchange) {
	j.mu.Lock()
	defer j.mu.Unlock()
	i, _ := slices.BinarySearchFunc(j.entries, e.Seq, func(x Exchange, seq int) int { return x.Seq - seq })
	j.entries = slices.Insert(j.entries, i, e)
	close(j.changed)
	j.changed = make(chan struct{})
}

func (j *Journal) logf(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.log = append(j.log, fmt.Sprintf(format, args...))
}

// Exchanges returns every finished exchange in order.
func (j *Journal) Exchanges() []Exchange {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.entries)
}

// Requests returns what the homeserver sent the mock.
func (j *Journal) Requests() []Exchange {
	return j.filter(func(e Exchange) bool { return e.Direction == Inbound })
}

// RequestsTo returns the homeserver's requests to the given routes.
func (j *Journal) RequestsTo(routes ...Route) []Exchange {
	return j.filter(func(e Exchange) bool { return e.Direction == Inbound && slices.Contains(routes, e.Route) })
}

func (j *Journal) filter(keep func(Exchange) bool) []Exchange {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Exchange
	for _, e := range j.entries {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// WaitFor blocks until the homeserver's request to one of routes has been
// answered and returns the first such exchange, or fails when ctx ends.
func (j *Journal) WaitFor(ctx context.Context, routes ...Route) (Exchange, error) {
	for {
		j.mu.Lock()
		for _, e := range j.entries {
			if e.Direction == Inbound && slices.Contains(routes, e.Route) {
				j.mu.Unlock()
				return e, nil
			}
		}
		changed, n := j.changed, len(j.entries)
		j.mu.Unlock()
		select {
		case <-ctx.Done():
			return Exchange{}, fmt.Errorf("waiting for a request to %v: %w (the journal has %d exchanges)", routes, ctx.Err(), n)
		case <-changed:
		}
	}
}

// Summaries lists the one-line summary of every exchange, for messages.
func (j *Journal) Summaries() string {
	var b strings.Builder
	for _, e := range j.Exchanges() {
		b.WriteString("    " + e.Summary() + "\n")
	}
	if b.Len() == 0 {
		return "    (no exchanges)\n"
	}
	return b.String()
}

// Transcript renders every exchange in order, then the server log.
func (j *Journal) Transcript() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var b strings.Builder
	if len(j.entries) == 0 {
		b.WriteString("(no exchanges)\n")
	}
	for _, e := range j.entries {
		b.WriteString(e.Render())
	}
	if len(j.log) > 0 {
		b.WriteString("server log:\n")
		for _, l := range j.log {
			b.WriteString("    " + l + "\n")
		}
	}
	return b.String()
}

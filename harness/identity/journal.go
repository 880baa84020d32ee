package identity

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"herald/harness/mockhttp"
)

// Direction says who sent a journaled request: Inbound (the homeserver
// to the mock) or Outbound (the mock to the homeserver: onbind).
type Direction = mockhttp.Direction

const (
	Inbound  = mockhttp.Inbound
	Outbound = mockhttp.Outbound
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
	// Checks are the verifications made on this exchange; failed ones are
	// the journal's Problems.
	Checks []Check
	// Notes are remarks that are not failures: a legacy route or a
	// query-string token (which specs of their own judge), a revoked key.
	Notes    []string
	Scripted bool
	Started  time.Time
	Took     time.Duration
}

// Check is one verification the mock made on an exchange; Err is nil
// when it passed.
type Check = mockhttp.Check

// Problem is a failed check: something the homeserver sent that the mock
// found wrong.
type Problem = mockhttp.Problem

// Failed returns the checks that did not pass.
func (e Exchange) Failed() []Check { return mockhttp.Failed(e.Checks) }

// Summary is a one-line description: "#3 ← POST /… [store-invite] ⇒ 200".
func (e Exchange) Summary() string {
	s := fmt.Sprintf("#%d %s %s %s [%s]", e.Seq, e.Direction.Arrow(), e.Method, e.URI, e.Route.Name())
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

// GomegaString is what Gomega prints for an exchange: the summary and
// any failed check.
func (e Exchange) GomegaString() string {
	s := e.Summary()
	for _, c := range e.Failed() {
		s += "; " + c.String()
	}
	return s
}

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
	for _, c := range e.Checks {
		fmt.Fprintf(&b, "    %s\n", c)
	}
	for _, n := range e.Notes {
		fmt.Fprintf(&b, "    note: %s\n", n)
	}
	mockhttp.WriteExchange(&b, e.RequestHeader, e.RequestBody, e.Err == nil, e.Status, e.ResponseHeader, e.ResponseBody)
	return b.String()
}

// Journal is the ordered, thread-safe record of every exchange the mock
// had. Every method returns a snapshot.
type Journal struct{ j *mockhttp.Journal[Exchange] }

func newJournal() *Journal { return &Journal{mockhttp.NewJournal[Exchange]()} }

func (j *Journal) begin() int        { return j.j.Begin() }
func (j *Journal) record(e Exchange) { j.j.Record(e.Seq, e) }

// Exchanges returns every finished exchange in order.
func (j *Journal) Exchanges() []Exchange { return j.j.Exchanges() }

// Requests returns what the homeserver sent the mock.
func (j *Journal) Requests() []Exchange {
	return j.j.Filter(func(e Exchange) bool { return e.Direction == Inbound })
}

// RequestsTo returns the homeserver's requests to the given routes.
func (j *Journal) RequestsTo(routes ...Route) []Exchange {
	return j.j.Filter(func(e Exchange) bool { return e.Direction == Inbound && slices.Contains(routes, e.Route) })
}

// WaitFor blocks until the homeserver's request to one of routes has been
// answered and returns the first such exchange, or fails when ctx ends.
func (j *Journal) WaitFor(ctx context.Context, routes ...Route) (Exchange, error) {
	return j.j.WaitUntil(ctx, fmt.Sprintf("a request to %v", routes), func(e Exchange) bool {
		return e.Direction == Inbound && slices.Contains(routes, e.Route)
	})
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

// Problems returns every failed check in the journal, in order.
// NewServer fails the spec on any.
func (j *Journal) Problems() []Problem {
	var out []Problem
	for _, e := range j.j.Exchanges() {
		for _, c := range e.Failed() {
			out = append(out, Problem{Exchange: e.Summary(), Seq: e.Seq, Check: c})
		}
	}
	return out
}

// Transcript renders every exchange in order, then the server log.
func (j *Journal) Transcript() string { return j.j.Transcript() }

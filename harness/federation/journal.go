package federation

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"herald/harness/mockhttp"
)

// Direction says who sent a journaled request: Inbound (the homeserver
// under test to the mock) or Outbound (the mock to the homeserver).
type Direction = mockhttp.Direction

const (
	Inbound  = mockhttp.Inbound
	Outbound = mockhttp.Outbound
)

// Check is one verification the mock made on an exchange: the X-Matrix
// signature of a request, the content hash of an event in it, … Err is
// nil when the check passed.
type Check = mockhttp.Check

// Exchange is one request and its response, in either direction, as the
// journal recorded it. Bodies are the bytes on the wire.
type Exchange struct {
	// Seq orders exchanges by the time their request started (1, 2, …).
	Seq       int
	Direction Direction
	// Route is the endpoint; Unrouted for a request no route matched.
	Route  Route
	Method string
	// URI is the request target exactly as sent: path and query.
	URI string
	// Origin is the X-Matrix origin of an inbound request ("" if none).
	Origin         string
	RequestHeader  http.Header
	RequestBody    []byte
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte
	// Err is the transport error of an outbound request that got no
	// answer.
	Err error
	// Checks are the verifications made on this exchange; failed ones are
	// the journal's Problems.
	Checks []Check
	// Notes are things worth knowing that are not failures (a scripted
	// answer, a PDU for an unknown room, …).
	Notes []string
	// Scripted is true when a scripted answer replaced the default one.
	Scripted bool
	Started  time.Time
	Took     time.Duration
}

// Failed returns the checks that did not pass.
func (e Exchange) Failed() []Check { return mockhttp.Failed(e.Checks) }

// Verified reports whether the exchange had checks and all passed.
func (e Exchange) Verified() bool { return len(e.Checks) > 0 && len(e.Failed()) == 0 }

// Summary is a one-line description: "#3 ← PUT /… (invite v2) → 200".
func (e Exchange) Summary() string {
	s := fmt.Sprintf("#%d %s %s %s [%s]", e.Seq, e.Direction.Arrow(), e.Method, e.URI, e.Route.Name())
	switch {
	case e.Err != nil:
		s += " ✗ no answer: " + e.Err.Error()
	default:
		s += fmt.Sprintf(" ⇒ %d", e.Status)
	}
	if e.Scripted {
		s += " (scripted)"
	}
	return s
}

// String is the summary, for Gomega's failure messages.
func (e Exchange) String() string { return e.Summary() }

// GomegaString is what Gomega prints for an exchange: the summary and
// any failed check (the transcript has the rest).
func (e Exchange) GomegaString() string {
	s := e.Summary()
	for _, c := range e.Failed() {
		s += "; " + c.String()
	}
	return s
}

// Render shows the exchange in full: headers, bodies (long ones cut),
// checks and notes.
func (e Exchange) Render() string {
	var b strings.Builder
	b.WriteString(e.Summary())
	b.WriteByte('\n')
	if e.Origin != "" {
		fmt.Fprintf(&b, "    origin: %s\n", e.Origin)
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

// Problem is a failed check: something the homeserver sent (or answered)
// that the mock found wrong.
type Problem = mockhttp.Problem

// Journal is the ordered, thread-safe record of every exchange the mock
// had. Read it from specs, directly or with Eventually: every method
// returns a snapshot.
type Journal struct{ j *mockhttp.Journal[Exchange] }

func newJournal() *Journal { return &Journal{mockhttp.NewJournal[Exchange]()} }

func (j *Journal) begin() int        { return j.j.Begin() }
func (j *Journal) record(e Exchange) { j.j.Record(e.Seq, e) }

// Exchanges returns every finished exchange in order.
func (j *Journal) Exchanges() []Exchange { return j.j.Exchanges() }

// Requests returns the inbound exchanges: what the homeserver sent.
func (j *Journal) Requests() []Exchange {
	return j.j.Filter(func(e Exchange) bool { return e.Direction == Inbound })
}

// Sent returns the outbound exchanges: what the mock sent.
func (j *Journal) Sent() []Exchange {
	return j.j.Filter(func(e Exchange) bool { return e.Direction == Outbound })
}

// RequestsTo returns the inbound exchanges for route.
func (j *Journal) RequestsTo(route Route) []Exchange {
	return j.j.Filter(func(e Exchange) bool { return e.Direction == Inbound && e.Route == route })
}

// WaitFor blocks until the homeserver's request to route has been
// answered and returns the first such exchange, or fails when ctx ends.
func (j *Journal) WaitFor(ctx context.Context, route Route) (Exchange, error) {
	return j.WaitUntil(ctx, route.String(), func(e Exchange) bool { return e.Direction == Inbound && e.Route == route })
}

// WaitUntil blocks until an exchange satisfies match and returns the
// first that does; what describes it in the error when ctx ends first.
func (j *Journal) WaitUntil(ctx context.Context, what string, match func(Exchange) bool) (Exchange, error) {
	return j.j.WaitUntil(ctx, what, match)
}

// Problems returns every failed check in the journal, in order. Specs
// expect it to be empty (NewServer does so after each spec).
func (j *Journal) Problems() []Problem {
	var out []Problem
	for _, e := range j.j.Exchanges() {
		for _, c := range e.Failed() {
			out = append(out, Problem{Exchange: e.Summary(), Seq: e.Seq, Check: c})
		}
	}
	return out
}

// Deferred returns the failed checks the spec judgedBy judges (see
// Check.JudgedBy): not problems where they fell, the problems of that
// spec.
func (j *Journal) Deferred(judgedBy string) []Problem {
	var out []Problem
	for _, e := range j.j.Exchanges() {
		for _, c := range mockhttp.Deferred(e.Checks, judgedBy) {
			out = append(out, Problem{Exchange: e.Summary(), Seq: e.Seq, Check: c})
		}
	}
	return out
}

// Transcript renders every exchange in order, then the server log, for
// failure reports.
func (j *Journal) Transcript() string { return j.j.Transcript() }

package mockhttp

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Exchange is what every mock records of one request and its response, in
// either direction. Bodies are the bytes on the wire. A mock's own
// exchange type embeds it, beside what only that mock records.
type Exchange[R Route] struct {
	// Seq orders exchanges by the time their request started (1, 2, …).
	Seq       int
	Direction Direction
	// Route is the endpoint; "" (the mock's Unrouted) for a request no
	// route matched.
	Route  R
	Method string
	// URI is the request target exactly as sent: path and query.
	URI            string
	RequestHeader  http.Header
	RequestBody    []byte
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte
	// Err is the transport error of an outbound request that got no
	// answer.
	Err error
	// Checks are the verifications made on this exchange; failed ones are
	// the journal's Problems (unless another spec judges them, see
	// Check.JudgedBy).
	Checks []Check
	// Notes are things worth knowing that are not failures: a scripted
	// answer's side effects, a PDU for an unknown room, a legacy route, …
	Notes []string
	// Scripted is true when a scripted answer replaced the default one.
	Scripted bool
	Started  time.Time
	Took     time.Duration
}

// Common is the part of an exchange every mock records: what a journal
// reads of a mock's own exchange type, which embeds it.
func (e Exchange[R]) Common() Exchange[R] { return e }

// Failed returns the checks that did not pass and are judged here: the
// exchange's problems.
func (e Exchange[R]) Failed() []Check { return Failed(e.Checks) }

// Verified reports whether the exchange had checks and all passed.
func (e Exchange[R]) Verified() bool { return len(e.Checks) > 0 && len(e.Failed()) == 0 }

// Summary is a one-line description: "#3 ← PUT /… [invite v2] ⇒ 200".
func (e Exchange[R]) Summary() string {
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

// String is the summary, for Gomega's failure messages.
func (e Exchange[R]) String() string { return e.Summary() }

// GomegaString is what Gomega prints for an exchange: the summary and
// any failed check (the transcript has the rest).
func (e Exchange[R]) GomegaString() string {
	s := e.Summary()
	for _, c := range e.Failed() {
		s += "; " + c.String()
	}
	return s
}

// Transcribe shows the exchange in full, for transcripts: the summary,
// then details (lines only this kind of mock records, such as the
// request's origin), checks, notes, headers and bodies (long ones cut).
func (e Exchange[R]) Transcribe(details ...string) string {
	var b strings.Builder
	b.WriteString(e.Summary() + "\n")
	for _, d := range details {
		b.WriteString("    " + d + "\n")
	}
	for _, c := range e.Checks {
		fmt.Fprintf(&b, "    %s\n", c)
	}
	for _, n := range e.Notes {
		fmt.Fprintf(&b, "    note: %s\n", n)
	}
	WriteExchange(&b, e.RequestHeader, e.RequestBody, e.Err == nil, e.Status, e.ResponseHeader, e.ResponseBody)
	return b.String()
}

// answered records the mock's reply to an inbound request.
func (e *Exchange[R]) answered(reply *Reply) {
	e.Status, e.ResponseHeader, e.ResponseBody = reply.Status, reply.Header, reply.Body
	e.Took = time.Since(e.Started)
}

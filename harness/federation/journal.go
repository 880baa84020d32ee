package federation

import "herald/harness/mockhttp"

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

// Problem is a failed check: something the homeserver sent (or answered)
// that the mock found wrong.
type Problem = mockhttp.Problem

// Exchange is one request and its response, in either direction, as the
// journal recorded it (see mockhttp.Exchange), with the X-Matrix origin of
// the request.
type Exchange struct {
	mockhttp.Exchange[Route]
	// Origin is the X-Matrix origin of an inbound request ("" if none),
	// the mock's name for an outbound one.
	Origin string
}

// Render shows the exchange in full: its origin, headers, bodies (long
// ones cut), checks and notes.
func (e Exchange) Render() string {
	if e.Origin == "" {
		return e.Transcribe()
	}
	return e.Transcribe("origin: " + e.Origin)
}

// Journal is the ordered, thread-safe record of every exchange the mock
// had (see mockhttp.Journal): read it from specs, directly or with
// Eventually, through Requests, RequestsTo, Sent, Problems, …
type Journal = mockhttp.Journal[Route, Exchange]

package identity

import "herald/harness/mockhttp"

// Handler answers one request to a route. Every route has a default,
// spec-conformant handler; Answer replaces it.
type Handler func(*Request) *Reply

// Reply is what the mock answers.
type Reply = mockhttp.Reply

// Request is an inbound request as a handler sees it: already read and
// journaled (see mockhttp.Request: Route, HTTP, Body, Check, Refuse, Note,
// …), with its access token.
type Request struct {
	mockhttp.Request[Route]
	// Token is the access token the request carried ("" if none), and Via
	// how it carried it.
	Token string
	Via   Credential
}

// Default is the identity server's own answer (in a Sequence, say).
func Default() Handler { return mockhttp.DefaultAnswer[Route, *Request]() }

// Status is a scripted Matrix error answer ({"errcode", "error"}), or {}
// without an errcode.
func Status(code int, errcode string) Handler { return mockhttp.StatusAnswer[*Request](code, errcode) }

// JSON is a scripted answer with the JSON of v.
func JSON(code int, v any) Handler { return mockhttp.JSONAnswer[*Request](code, v) }

// Sequence scripts a run of answers: the n-th request gets handlers[n],
// every later one the last.
func Sequence(handlers ...Handler) Handler { return mockhttp.Sequence[Route](handlers) }

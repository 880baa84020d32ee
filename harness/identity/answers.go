package identity

import (
	"fmt"
	"net/http"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
)

// Handler answers one request to a route. Every route has a default,
// spec-conformant handler; Answer replaces it.
type Handler func(*Request) *Reply

// Reply is what the mock answers.
type Reply = mockhttp.Reply

// Request is an inbound request as a handler sees it: already read and
// journaled.
type Request struct {
	Route Route
	// HTTP is the request; its body has been read into Body.
	HTTP *http.Request
	Body []byte
	// Token is the access token the request carried ("" if none), and Via
	// how it carried it.
	Token string
	Via   Credential

	server *Server
	def    Handler
	ex     *Exchange
}

// Server is the mock that received the request.
func (r *Request) Server() *Server { return r.server }

// Default returns the answer the mock would give without a script.
func (r *Request) Default() *Reply { return r.def(r) }

// Check records a verification result on the exchange; a non-nil err is
// a Problem.
func (r *Request) Check(name string, err error) {
	r.ex.Checks = append(r.ex.Checks, Check{Name: name, Err: err})
}

// Refuse answers code and errcode, as a real identity server answers a
// request it cannot serve, and records the homeserver's fault as the
// failed check name.
func (r *Request) Refuse(name string, code int, errcode, format string, args ...any) *Reply {
	msg := fmt.Sprintf(format, args...)
	r.Check(name, fmt.Errorf("%s (answered %d %s)", msg, code, errcode))
	return errorReply(code, errcode, "%s", msg)
}

// Note records a remark on the exchange.
func (r *Request) Note(format string, args ...any) {
	r.ex.Notes = append(r.ex.Notes, fmt.Sprintf(format, args...))
}

// Object parses the body as a JSON object.
func (r *Request) Object() (matrix.Object, error) { return matrix.ParseObject(r.Body) }

// Answer scripts route: the mock answers it with h instead of its default.
func Answer(route Route, h Handler) Option {
	return func(c *config) { c.answers[route] = h }
}

// Default is the mock's own answer.
func Default() Handler { return func(r *Request) *Reply { return r.Default() } }

// Status answers with a Matrix error {"errcode", "error"}; an empty
// errcode sends {} instead.
func Status(code int, errcode string) Handler {
	return func(*Request) *Reply { return mockhttp.StatusReply(code, errcode) }
}

// JSON answers with v encoded as JSON.
func JSON(code int, v any) Handler {
	return func(*Request) *Reply { return jsonReply(code, v) }
}

// Sequence answers the n-th request with handlers[n], and every request
// after the last with the last handler.
func Sequence(handlers ...Handler) Handler {
	if len(handlers) == 0 {
		return Default()
	}
	return mockhttp.Sequence(handlers)
}

func jsonReply(code int, v any) *Reply { return mockhttp.JSONReply(code, v) }

func errorReply(code int, errcode, format string, args ...any) *Reply {
	return mockhttp.ErrorReply(code, errcode, format, args...)
}

package federation

import (
	"fmt"
	"net/http"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
)

// Handler answers one request to a route. Every route has a default,
// spec-conformant handler; Answer replaces it for one mock.
type Handler func(*Request) *Reply

// Reply is what the mock answers: status, headers and the exact body.
type Reply = mockhttp.Reply

// Request is an inbound request as a handler sees it: already read,
// authenticated and journaled.
type Request struct {
	Route Route
	// HTTP is the request; its body has been read into Body.
	HTTP *http.Request
	Body []byte
	// Origin is the X-Matrix origin, if the request had a valid header.
	Origin string

	server *Server
	def    Handler
	ex     *Exchange
	invite *inviteReceipt // what receiveInvite made of an invite request
}

// Server is the mock that received the request.
func (r *Request) Server() *Server { return r.server }

// PathValue returns a path wildcard of the route ("roomId", "eventId", …),
// unescaped.
func (r *Request) PathValue(name string) string { return r.HTTP.PathValue(name) }

// Object parses the body as a JSON object.
func (r *Request) Object() (matrix.Object, error) { return matrix.ParseObject(r.Body) }

// Default returns the answer the mock would give without a script (and
// has its effects: an invite is countersigned, a join applied, …).
func (r *Request) Default() *Reply { return r.def(r) }

// Check records a verification result on the exchange; a non-nil err is a
// Problem.
func (r *Request) Check(name string, err error) {
	r.ex.Checks = append(r.ex.Checks, Check{Name: name, Err: err})
}

// Note records a remark on the exchange.
func (r *Request) Note(format string, args ...any) {
	r.ex.Notes = append(r.ex.Notes, fmt.Sprintf(format, args...))
}

// Answer scripts route: the mock answers it with h instead of its default.
func Answer(route Route, h Handler) Option {
	return func(c *config) { c.answers[route] = h }
}

// Default is the mock's own answer, for Sequence.
func Default() Handler { return func(r *Request) *Reply { return r.Default() } }

// Status answers with a Matrix error {"errcode", "error"}; an empty
// errcode sends {} instead.
func Status(code int, errcode string) Handler {
	return func(*Request) *Reply { return mockhttp.StatusReply(code, errcode) }
}

// Raw answers with exactly body (nil: no body) and the given headers as
// name, value pairs; no Content-Type unless given.
func Raw(code int, body []byte, headers ...string) Handler {
	return func(*Request) *Reply {
		h := http.Header{}
		for i := 0; i+1 < len(headers); i += 2 {
			h.Add(headers[i], headers[i+1])
		}
		return &Reply{Status: code, Header: h, Body: body}
	}
}

// JSON answers with v encoded as JSON.
func JSON(code int, v any) Handler {
	return func(*Request) *Reply { return jsonReply(code, v) }
}

// Modify gives the default answer after f has changed it.
func Modify(f func(*Request, *Reply)) Handler {
	return func(r *Request) *Reply {
		reply := r.Default()
		f(r, reply)
		return reply
	}
}

// ModifyEvent gives the default answer of an invite, send_join or other
// route whose answer carries an "event" (as {"event": …} or [200,
// {"event": …}]), after f has changed that event. The event is not
// re-signed: this is how a spec returns "the invite with a changed field".
func ModifyEvent(f func(event matrix.Object)) Handler {
	return Modify(func(r *Request, reply *Reply) {
		v, err := matrix.ParseJSON(reply.Body)
		if err != nil {
			r.Note("ModifyEvent: default answer is not JSON: %v", err)
			return
		}
		holder, ok := eventHolder(v)
		if !ok {
			r.Note("ModifyEvent: default answer has no event")
			return
		}
		ev, ok := holder["event"].(map[string]any)
		if !ok {
			r.Note("ModifyEvent: default answer's event is not an object")
			return
		}
		f(matrix.Object(ev))
		body, err := matrix.CanonicalJSONLax(v)
		if err != nil {
			r.Note("ModifyEvent: encoding: %v", err)
			return
		}
		reply.Body = body
	})
}

// eventHolder finds the object holding "event" in {"event": …} or [200,
// {"event": …}].
func eventHolder(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, x["event"] != nil
	case []any:
		if len(x) == 2 {
			if m, ok := x[1].(map[string]any); ok {
				return m, m["event"] != nil
			}
		}
	}
	return nil, false
}

// Sequence answers the n-th request with handlers[n], and every request
// after the last with the last handler: Sequence(Status(500, ""), Default())
// fails once, then behaves.
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

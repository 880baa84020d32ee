package federation

import (
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
// authenticated and journaled (see mockhttp.Request: Route, HTTP, Body,
// PathValue, Object, Check, Note, …).
type Request struct {
	mockhttp.Request[Route]
	// Origin is the X-Matrix origin, if the request had a valid header.
	Origin string

	server *Server
	invite *inviteReceipt // what receiveInvite made of an invite request
}

// Server is the mock that received the request.
func (r *Request) Server() *Server { return r.server }

// Default is the mock's own answer, for Sequence.
func Default() Handler { return mockhttp.DefaultAnswer[Route, *Request]() }

// Status answers with a Matrix error {"errcode", "error"}; an empty
// errcode sends {} instead.
func Status(code int, errcode string) Handler { return mockhttp.StatusAnswer[*Request](code, errcode) }

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
func JSON(code int, v any) Handler { return mockhttp.JSONAnswer[*Request](code, v) }

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
		holder, ok := mockhttp.EventHolder(v)
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

// Sequence answers the n-th request with handlers[n], and every request
// after the last with the last handler: Sequence(Status(500, ""), Default())
// fails once, then behaves.
func Sequence(handlers ...Handler) Handler { return mockhttp.Sequence[Route](handlers) }

func jsonReply(code int, v any) *Reply { return mockhttp.JSONReply(code, v) }

func errorReply(code int, errcode, format string, args ...any) *Reply {
	return mockhttp.ErrorReply(code, errcode, format, args...)
}

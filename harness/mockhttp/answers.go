package mockhttp

import "sync"

// The scripted answers below serve any kind of mock: each mock package
// offers them typed for its own requests (federation.Status, …). Q is the
// mock's request type.

// DefaultAnswer is the mock's own answer, for Sequence.
func DefaultAnswer[R Route, Q Received[R]]() func(Q) *Reply {
	return func(req Q) *Reply { return req.received().Default() }
}

// StatusAnswer answers with a Matrix error {"errcode", "error"}; an empty
// errcode sends {} instead.
func StatusAnswer[Q any](code int, errcode string) func(Q) *Reply {
	return func(Q) *Reply {
		if errcode == "" {
			return JSONReply(code, map[string]any{})
		}
		return ErrorReply(code, errcode, "scripted by Herald")
	}
}

// JSONAnswer answers with v encoded as canonical JSON.
func JSONAnswer[Q any](code int, v any) func(Q) *Reply {
	return func(Q) *Reply { return JSONReply(code, v) }
}

// Sequence answers the n-th request with handlers[n], and every request
// after the last with the last handler; with no handlers, it gives the
// mock's own answer.
func Sequence[R Route, Q Received[R], H ~func(Q) *Reply](handlers []H) H {
	if len(handlers) == 0 {
		return H(DefaultAnswer[R, Q]())
	}
	var mu sync.Mutex
	n := 0
	return func(req Q) *Reply {
		mu.Lock()
		h := handlers[min(n, len(handlers)-1)]
		n++
		mu.Unlock()
		return h(req)
	}
}

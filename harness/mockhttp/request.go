package mockhttp

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"herald/harness/matrix"
)

// Request is an inbound request as a mock's handlers see it: already read
// and journaled. A mock's own request type embeds it, beside what only
// that mock knows of the request.
type Request[R Route] struct {
	Route R
	// HTTP is the request; its body has been read into Body.
	HTTP *http.Request
	Body []byte

	ex  *Exchange[R]
	def func() *Reply
}

// Default returns the answer the mock would give without a script (and
// has its effects).
func (r *Request[R]) Default() *Reply { return r.def() }

// PathValue returns a path wildcard of the route ("roomId", "eventId", …),
// unescaped.
func (r *Request[R]) PathValue(name string) string { return r.HTTP.PathValue(name) }

// Object parses the body as a JSON object.
func (r *Request[R]) Object() (matrix.Object, error) { return matrix.ParseObject(r.Body) }

// Check records a verification result on the exchange; a non-nil err is a
// Problem.
func (r *Request[R]) Check(name string, err error) {
	r.ex.Checks = append(r.ex.Checks, Check{Name: name, Err: err})
}

// Checked records verifications made elsewhere (as they are, JudgedBy
// included) on the exchange.
func (r *Request[R]) Checked(checks ...Check) { r.ex.Checks = append(r.ex.Checks, checks...) }

// Note records a remark on the exchange: something worth knowing that is
// not a failure.
func (r *Request[R]) Note(format string, args ...any) {
	r.ex.Notes = append(r.ex.Notes, fmt.Sprintf(format, args...))
}

// Refuse answers code and errcode, as a real server answers a request it
// cannot serve, and records the homeserver's fault as the failed check
// name.
func (r *Request[R]) Refuse(name string, code int, errcode, format string, args ...any) *Reply {
	msg := fmt.Sprintf(format, args...)
	r.Check(name, fmt.Errorf("%s (answered %d %s)", msg, code, errcode))
	return ErrorReply(code, errcode, "%s", msg)
}

// Guard runs f, turning a panic into a failed check named what: a bug of
// the mock's, which the spec must not pass over. It returns what f
// panicked with, if it did.
func (r *Request[R]) Guard(what string, f func()) (panicked any) {
	defer func() {
		if p := recover(); p != nil {
			r.Check(what, fmt.Errorf("the mock panicked: %v\n%s", p, debug.Stack()))
			panicked = p
		}
	}()
	f()
	return nil
}

func (r *Request[R]) inbound() *Request[R] { return r }

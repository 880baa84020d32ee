package mockhttp

import (
	"encoding/json"
	"fmt"
	"net/http"

	"herald/harness/matrix"
)

// Reply is what a mock answers: status, headers and the exact body.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// Object parses the reply body as a JSON object.
func (r *Reply) Object() (matrix.Object, error) { return matrix.ParseObject(r.Body) }

// Write sends r on w, with "Content-Length: 0" when it has no body.
func (r *Reply) Write(w http.ResponseWriter) {
	for k, vs := range r.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if r.Body == nil {
		w.Header().Set("Content-Length", "0")
	}
	w.WriteHeader(r.Status)
	w.Write(r.Body)
}

// JSONReply answers with v as canonical JSON, or a 500 if it does not
// encode.
func JSONReply(code int, v any) *Reply {
	body, err := matrix.CanonicalJSONLax(v)
	if err != nil {
		body, _ = json.Marshal(map[string]any{"errcode": "M_UNKNOWN", "error": "herald: encoding reply: " + err.Error()})
		code = http.StatusInternalServerError
	}
	return &Reply{Status: code, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
}

// ErrorReply answers with a Matrix error {"errcode", "error"}.
func ErrorReply(code int, errcode, format string, args ...any) *Reply {
	return JSONReply(code, map[string]any{"errcode": errcode, "error": fmt.Sprintf(format, args...)})
}

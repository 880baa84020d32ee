package csapi

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// SentRequest is what the client sent, kept for failure messages.
type SentRequest struct {
	Method string
	// URL is the full URL, escaped exactly as sent.
	URL    string
	Header http.Header
	// Body is nil when no body was sent.
	Body []byte
}

// Response is a complete answer from the server, with the request that
// produced it.
type Response struct {
	StatusCode int
	Header     http.Header
	// Body holds the bytes the server sent, unchanged.
	Body []byte
	// Request is what was sent.
	Request SentRequest
	// Elapsed is the time from sending the request to reading the whole body.
	Elapsed time.Duration
}

// Limits on how much of a body failure messages show.
const (
	shortBodyLimit = 300
	dumpBodyLimit  = 4096
)

// Answer is the status and the body, as matchers read an answer.
func (r *Response) Answer() (status int, body []byte) { return r.StatusCode, r.Body }

// JSON decodes the body as a JSON object, numbers as json.Number.
func (r *Response) JSON() (map[string]any, error) {
	var m map[string]any
	if err := decodeJSON(r.Body, &m); err != nil {
		return nil, fmt.Errorf("decoding the body of %s as a JSON object: %w", r.what(), err)
	}
	if m == nil {
		return nil, fmt.Errorf("decoding the body of %s as a JSON object: got null", r.what())
	}
	return m, nil
}

// JSONValue decodes the body as any JSON value (object, array, …), numbers as
// json.Number.
func (r *Response) JSONValue() (any, error) {
	var v any
	if err := decodeJSON(r.Body, &v); err != nil {
		return nil, fmt.Errorf("decoding the body of %s as JSON: %w", r.what(), err)
	}
	return v, nil
}

// DecodeJSON decodes the body into v, numbers as json.Number where v holds
// interface values.
func (r *Response) DecodeJSON(v any) error {
	if err := decodeJSON(r.Body, v); err != nil {
		return fmt.Errorf("decoding the body of %s: %w", r.what(), err)
	}
	return nil
}

// Errcode returns the Matrix errcode of the body, or "" if there is none.
func (r *Response) Errcode() string {
	s, _ := r.Get("errcode").(string)
	return s
}

// ErrorMessage returns the human-readable "error" field of the body, or "".
// (It is not called Error so that a Response is never mistaken for an error.)
func (r *Response) ErrorMessage() string {
	s, _ := r.Get("error").(string)
	return s
}

// Get returns the value at a dotted path in the JSON body, such as
// "rooms.join" or "chunk.0.content.membership" (numbers index arrays; write
// a literal dot in a key as `\.`), or nil if the body is not JSON or the path
// leads nowhere.
func (r *Response) Get(path string) any {
	return r.Field(splitPath(path)...)
}

// GetString is Get for a string value; it returns "" for anything else.
func (r *Response) GetString(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// Field is Get with the path given as separate keys, none of which is split,
// for keys that hold dots such as room IDs with a domain.
func (r *Response) Field(keys ...string) any {
	v, err := r.JSONValue()
	if err != nil {
		return nil
	}
	v, _ = lookup(v, keys)
	return v
}

// String renders the exchange on one line, bodies shortened:
// `POST /_matrix/client/v3/createRoom {"preset":"public_chat"} → 403 {"errcode":"M_FORBIDDEN",…}`.
func (r *Response) String() string {
	if r == nil {
		return "<no response>"
	}
	var b strings.Builder
	b.WriteString(r.Request.Method)
	b.WriteByte(' ')
	b.WriteString(r.Request.pathAndQuery())
	if r.Request.Body != nil {
		b.WriteByte(' ')
		b.WriteString(renderBody(r.Request.Body, shortBodyLimit))
	}
	fmt.Fprintf(&b, " → %d", r.StatusCode)
	if len(r.Body) > 0 {
		b.WriteByte(' ')
		b.WriteString(renderBody(r.Body, shortBodyLimit))
	}
	return b.String()
}

// Dump renders the exchange on several lines with headers and longer bodies,
// for failure messages.
func (r *Response) Dump() string {
	if r == nil {
		return "<no response>"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "sent:     %s %s\n", r.Request.Method, r.Request.redactedURL())
	writeHeaders(&b, r.Request.Header)
	if r.Request.Body != nil {
		fmt.Fprintf(&b, "          %s\n", renderBody(r.Request.Body, dumpBodyLimit))
	}
	fmt.Fprintf(&b, "received: %d %s (after %s)\n", r.StatusCode, http.StatusText(r.StatusCode), r.Elapsed.Round(time.Millisecond))
	writeHeaders(&b, r.Header)
	fmt.Fprintf(&b, "          %s", renderBody(r.Body, dumpBodyLimit))
	return b.String()
}

// GomegaString makes Gomega print the Dump in failure messages.
func (r *Response) GomegaString() string { return r.Dump() }

func (r *Response) what() string {
	return fmt.Sprintf("the %d answer to %s %s", r.StatusCode, r.Request.Method, r.Request.pathAndQuery())
}

func writeHeaders(b *strings.Builder, h http.Header) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range h[name] {
			if name == "Date" || name == "User-Agent" && v == "herald" {
				continue // noise in a failure message
			}
			if name == "Authorization" {
				v = redactAuth(v)
			}
			fmt.Fprintf(b, "          %s: %s\n", name, v)
		}
	}
}

// redactAuth keeps the scheme and a token prefix, enough to tell tokens apart.
func redactAuth(v string) string {
	scheme, token, ok := strings.Cut(v, " ")
	if !ok {
		return v
	}
	return scheme + " " + redactToken(token)
}

func redactToken(t string) string {
	if len(t) <= 8 {
		return t
	}
	return t[:8] + "…"
}

func (s SentRequest) pathAndQuery() string {
	u, err := url.Parse(s.redactedURL())
	if err != nil {
		return s.URL
	}
	return u.RequestURI()
}

// redactedURL hides an access_token query parameter.
func (s SentRequest) redactedURL() string {
	u, err := url.Parse(s.URL)
	if err != nil || !u.Query().Has("access_token") {
		return s.URL
	}
	q := u.Query()
	for i, t := range q["access_token"] {
		q["access_token"][i] = redactToken(t)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// renderBody shows a body in at most limit bytes: JSON compacted, text as
// is, anything else quoted.
func renderBody(body []byte, limit int) string {
	if len(body) == 0 {
		return "(empty body)"
	}
	var buf bytes.Buffer
	if err := compactJSON(&buf, body); err == nil {
		body = buf.Bytes()
	}
	shown, rest := body, 0
	if len(body) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		shown, rest = body[:cut], len(body)-cut
	}
	s := string(shown)
	if !utf8.Valid(shown) || strings.ContainsAny(s, "\x00\r\n") {
		s = fmt.Sprintf("%q", shown)
	}
	if rest > 0 {
		s += fmt.Sprintf("… (%d more bytes)", rest)
	}
	return s
}

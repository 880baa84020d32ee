package matrix

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// X-Matrix request authentication, server-server-api.md "Request
// Authentication"; header syntax from RFC 9110 §11.4 (credentials,
// auth-param) and §5.6.2, §5.6.4 (token, quoted-string).

// XMatrixScheme is the authorisation scheme of federation requests.
const XMatrixScheme = "X-Matrix"

var (
	// ErrNoXMatrix is wrapped when a request has no X-Matrix
	// Authorization header.
	ErrNoXMatrix = errors.New("no X-Matrix Authorization header")
	// ErrDestinationMismatch is wrapped when the header's destination is
	// not the receiving server (the spec requires 401).
	ErrDestinationMismatch = errors.New("destination is not this server")
)

// XMatrix holds the parameters of an X-Matrix Authorization header.
type XMatrix struct {
	// Origin is the sending server's name.
	Origin string
	// Destination is the receiving server's name; "" if the header has no
	// destination parameter (recipients should accept that for older
	// servers, senders MUST send it).
	Destination string
	// KeyID is the ID of the key that made the signature.
	KeyID string
	// Signature is the unpadded Base64 signature.
	Signature string
}

// String formats the header value the way the spec recommends senders
// write it: one space after the scheme, lower-case names, quoted values,
// no whitespace around commas. Backslash and quote are escaped.
func (x XMatrix) String() string {
	var b strings.Builder
	b.WriteString(XMatrixScheme + " origin=")
	writeQuoted(&b, x.Origin)
	if x.Destination != "" {
		b.WriteString(",destination=")
		writeQuoted(&b, x.Destination)
	}
	b.WriteString(",key=")
	writeQuoted(&b, x.KeyID)
	b.WriteString(",sig=")
	writeQuoted(&b, x.Signature)
	return b.String()
}

func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

// isTchar reports whether c is an RFC 9110 token character.
func isTchar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// ParseXMatrix parses the value of an Authorization header with the
// X-Matrix scheme. It follows RFC 9110: the scheme is case-insensitive and
// followed by at least one space; parameters are name=value pairs
// separated by commas with optional spaces and tabs around them (and
// around "="); names are case-insensitive and may come in any order;
// values are tokens or quoted strings whose backslash escapes are
// undone. As the spec asks for compatibility, unquoted values may also
// contain ':'. Empty list elements are ignored (RFC 9110 §5.6.1.2).
// Unknown parameters are ignored; a repeated parameter name, a missing
// origin, key or sig, or an empty value is an error.
func ParseXMatrix(header string) (XMatrix, error) {
	fail := func(format string, args ...any) (XMatrix, error) {
		return XMatrix{}, fmt.Errorf("matrix: parse X-Matrix header: "+format, args...)
	}
	s := strings.Trim(header, " \t")
	i := 0
	for i < len(s) && isTchar(s[i]) {
		i++
	}
	if !strings.EqualFold(s[:i], XMatrixScheme) {
		if i == 0 {
			return fail("no authorisation scheme")
		}
		return fail("scheme is %q, not %s", s[:i], XMatrixScheme)
	}
	if i == len(s) {
		return fail("no parameters")
	}
	if s[i] != ' ' {
		return fail("scheme must be followed by a space, found %q", s[i])
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	params := map[string]string{}
	for {
		// OWS and empty list elements.
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if i == len(s) {
			break
		}
		start := i
		for i < len(s) && isTchar(s[i]) {
			i++
		}
		if i == start {
			return fail("expected a parameter name at offset %d, found %q", i, s[i])
		}
		name := strings.ToLower(s[start:i])
		i = skipOWS(s, i)
		if i == len(s) || s[i] != '=' {
			return fail("parameter %q has no '=' (token68 credentials are not X-Matrix)", s[start:i])
		}
		i = skipOWS(s, i+1)
		var value string
		if i < len(s) && s[i] == '"' {
			var err error
			value, i, err = parseQuoted(s, i)
			if err != nil {
				return fail("parameter %q: %v", name, err)
			}
		} else {
			vstart := i
			for i < len(s) && (isTchar(s[i]) || s[i] == ':') {
				i++
			}
			value = s[vstart:i]
			if i < len(s) && s[i] != ',' && s[i] != ' ' && s[i] != '\t' {
				return fail("parameter %q: character %q is not allowed in an unquoted value", name, s[i])
			}
			if value == "" {
				return fail("parameter %q has an empty value", name)
			}
		}
		if _, dup := params[name]; dup {
			return fail("parameter %q appears more than once", name)
		}
		params[name] = value
		i = skipOWS(s, i)
		if i < len(s) && s[i] != ',' {
			return fail("expected ',' after parameter %q, found %q", name, s[i])
		}
	}
	x := XMatrix{Origin: params["origin"], KeyID: params["key"], Signature: params["sig"]}
	for _, p := range []struct{ name, value string }{{"origin", x.Origin}, {"key", x.KeyID}, {"sig", x.Signature}} {
		if p.value == "" {
			if _, ok := params[p.name]; ok {
				return fail("parameter %q is empty", p.name)
			}
			if p.name == "sig" {
				if _, ok := params["signature"]; ok {
					return fail(`missing parameter "sig" (found "signature": the spec's parameter list says "signature" but its example and deployed servers use "sig")`)
				}
			}
			return fail("missing parameter %q", p.name)
		}
	}
	if d, ok := params["destination"]; ok {
		if d == "" {
			return fail(`parameter "destination" is empty`)
		}
		x.Destination = d
	}
	return x, nil
}

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// parseQuoted parses an RFC 9110 quoted-string starting at s[i] == '"'
// and returns its unescaped content and the offset after it.
func parseQuoted(s string, i int) (string, int, error) {
	var b strings.Builder
	for i++; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), i + 1, nil
		case c == '\\':
			if i+1 == len(s) {
				return "", i, errors.New("unterminated escape in quoted value")
			}
			i++
			c = s[i]
			if c != '\t' && (c < 0x20 || c == 0x7f) {
				return "", i, fmt.Errorf("cannot escape control character %q", c)
			}
			b.WriteByte(c)
		case c == '\t' || (c >= 0x20 && c != 0x7f):
			b.WriteByte(c)
		default:
			return "", i, fmt.Errorf("control character %q in quoted value", c)
		}
	}
	return "", i, errors.New("unterminated quoted value")
}

// RequestJSON builds the object an X-Matrix signature covers: method,
// uri (the request target exactly as sent: path and query, no scheme or
// host), origin, destination, and content if the body is not empty.
func RequestJSON(method, uri, origin, destination string, body []byte) (Object, error) {
	obj := Object{"method": method, "uri": uri, "origin": origin, "destination": destination}
	if len(body) > 0 {
		content, err := ParseJSON(body)
		if err != nil {
			return nil, fmt.Errorf("matrix: request JSON: body: %w", err)
		}
		obj["content"] = content
	}
	return obj, nil
}

// SignRequest signs a request to destination and returns its X-Matrix
// parameters; use String for the Authorization header value.
func (s *Signer) SignRequest(method, uri, destination string, body []byte) (XMatrix, error) {
	obj, err := RequestJSON(method, uri, s.ServerName, destination, body)
	if err != nil {
		return XMatrix{}, err
	}
	sig, err := s.Signature(obj)
	if err != nil {
		return XMatrix{}, err
	}
	return XMatrix{Origin: s.ServerName, Destination: destination, KeyID: s.KeyID, Signature: sig}, nil
}

// SignHTTPRequest sets r's Authorization header for a request to the
// server named destination with the given body (which must be what r
// sends). The signed uri is r.URL.RequestURI(), what net/http's client
// sends as the request target.
func (s *Signer) SignHTTPRequest(r *http.Request, destination string, body []byte) error {
	x, err := s.SignRequest(r.Method, r.URL.RequestURI(), destination, body)
	if err != nil {
		return err
	}
	r.Header.Set("Authorization", x.String())
	return nil
}

// VerifyRequest checks an X-Matrix signature received by the server
// named destination: the header's destination, if present, must be
// destination (else [ErrDestinationMismatch]), and the signature by
// x.Origin with x.KeyID must verify under key over the request JSON.
func VerifyRequest(x XMatrix, method, uri, destination string, body []byte, key ed25519.PublicKey) error {
	if x.Destination != "" && x.Destination != destination {
		return fmt.Errorf("matrix: verify X-Matrix request: %w: header says %q, this server is %q", ErrDestinationMismatch, x.Destination, destination)
	}
	obj, err := RequestJSON(method, uri, x.Origin, destination, body)
	if err != nil {
		return fmt.Errorf("matrix: verify X-Matrix request: %w", err)
	}
	if err := addSignature(obj, x.Origin, x.KeyID, x.Signature); err != nil {
		return err
	}
	if err := VerifyJSON(obj, x.Origin, x.KeyID, key); err != nil {
		return fmt.Errorf("matrix: verify X-Matrix request %s %s: %w", method, uri, err)
	}
	return nil
}

// KeyLookup returns the public key of server with keyID.
type KeyLookup func(server, keyID string) (ed25519.PublicKey, error)

// VerifyHTTPRequest verifies the X-Matrix Authorization headers of an
// incoming request to the server named destination, whose body has been
// read into body. The uri is r.RequestURI (the target exactly as
// received), or r.URL.RequestURI() if that is empty. Every X-Matrix
// header must verify and name the same origin; the first is returned.
func VerifyHTTPRequest(r *http.Request, body []byte, destination string, lookup KeyLookup) (XMatrix, error) {
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	var first XMatrix
	n := 0
	for _, h := range r.Header.Values("Authorization") {
		h = strings.TrimLeft(h, " \t")
		end := 0
		for end < len(h) && isTchar(h[end]) {
			end++
		}
		if !strings.EqualFold(h[:end], XMatrixScheme) {
			continue
		}
		x, err := ParseXMatrix(h)
		if err != nil {
			return XMatrix{}, err
		}
		if n > 0 && x.Origin != first.Origin {
			return XMatrix{}, fmt.Errorf("matrix: verify X-Matrix request: headers name origins %q and %q", first.Origin, x.Origin)
		}
		key, err := lookup(x.Origin, x.KeyID)
		if err != nil {
			return XMatrix{}, fmt.Errorf("matrix: verify X-Matrix request: key %s of %s: %w", x.KeyID, x.Origin, err)
		}
		if err := VerifyRequest(x, r.Method, uri, destination, body, key); err != nil {
			return XMatrix{}, err
		}
		if n == 0 {
			first = x
		}
		n++
	}
	if n == 0 {
		return XMatrix{}, fmt.Errorf("matrix: verify X-Matrix request: %w", ErrNoXMatrix)
	}
	return first, nil
}

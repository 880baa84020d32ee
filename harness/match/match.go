// Package match holds Herald's Gomega matchers for federation answers and events: statuses, errcodes, signatures, hashes, event IDs and "untouched except the signature".
package match

import (
	"fmt"

	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/fingerprint"
	"herald/harness/spec"
)

// answer is what the response matchers read from a federation or
// client-server response.
type answer struct {
	status int
	body   []byte
	// exchange renders the request and the answer for failure messages.
	exchange string
}

// answerOf accepts a *federation.Response (an answer of the homeserver to
// the mock) or a *csapi.Response (an answer to a client).
func answerOf(actual any) (answer, error) {
	switch r := actual.(type) {
	case *federation.Response:
		if r == nil {
			return answer{}, fmt.Errorf("match: got a nil *federation.Response (the request got no answer)")
		}
		return answer{status: r.StatusCode, body: r.Body, exchange: r.String()}, nil
	case *csapi.Response:
		if r == nil {
			return answer{}, fmt.Errorf("match: got a nil *csapi.Response (the request got no answer)")
		}
		return answer{status: r.StatusCode, body: r.Body, exchange: r.Dump()}, nil
	}
	return answer{}, fmt.Errorf("match: expected a *federation.Response or *csapi.Response, got %T", actual)
}

// errcode returns the errcode of a Matrix error body, whether the body is
// a JSON object at all, and the parse error if not.
func (a answer) errcode() (string, error) {
	obj, err := spec.ParseObject(a.body)
	if err != nil {
		return "", err
	}
	code, _ := obj.GetString("errcode")
	return code, nil
}

// fingerprintLine states the answer's status and errcode, which is how a
// response check failed (see package fingerprint).
func (a answer) fingerprintLine() string {
	code, err := a.errcode()
	return fingerprint.Line(fingerprint.Status(a.status, code, err == nil))
}

// objectOf accepts a JSON object in the forms the harness hands around:
// spec.Object, map[string]any, *federation.Event (its fields).
func objectOf(actual any) (spec.Object, error) {
	switch o := actual.(type) {
	case spec.Object:
		if o == nil {
			return nil, fmt.Errorf("match: got a nil JSON object")
		}
		return o, nil
	case map[string]any:
		if o == nil {
			return nil, fmt.Errorf("match: got a nil JSON object")
		}
		return spec.Object(o), nil
	case *federation.Event:
		if o == nil {
			return nil, fmt.Errorf("match: got a nil *federation.Event")
		}
		return o.Fields, nil
	}
	return nil, fmt.Errorf("match: expected a JSON object (spec.Object, map[string]any or *federation.Event), got %T", actual)
}

// showJSON renders a JSON value compactly for failure messages (lax
// canonical JSON, so numbers read as sent), cut if long.
func showJSON(v any) string {
	b, err := spec.CanonicalJSONLax(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	const limit = 600
	if len(b) > limit {
		return string(b[:limit]) + fmt.Sprintf("… (%d bytes)", len(b))
	}
	return string(b)
}

// Package match holds Herald's Gomega matchers for federation answers and events: statuses, errcodes, signatures, hashes, event IDs and "untouched except the signature".
package match

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/onsi/gomega/format"

	"herald/harness/matrix"
)

// Answer is an HTTP answer of the homeserver as the response matchers read
// it: a status and the body's bytes. The harness's federation and
// client-server responses are both Answers; failure messages show the whole
// exchange through its GomegaString when it has one.
type Answer interface {
	Answer() (status int, body []byte)
}

// answer is what the response matchers read from an Answer.
type answer struct {
	status int
	body   []byte
	// exchange renders the request and the answer for failure messages.
	exchange string
}

// answerOf reads an Answer; a nil one means the request got no answer.
func answerOf(actual any) (answer, error) {
	a, ok := actual.(Answer)
	if !ok {
		return answer{}, fmt.Errorf("match: expected an HTTP answer (status and body), got %T", actual)
	}
	if isNil(actual) {
		return answer{}, fmt.Errorf("match: got a nil %T (the request got no answer)", actual)
	}
	status, body := a.Answer()
	shown := fmt.Sprintf("answered %d: %s", status, body)
	if g, ok := actual.(format.GomegaStringer); ok {
		shown = g.GomegaString()
	}
	return answer{status: status, body: body, exchange: shown}, nil
}

// observed is the line a failure message states its fingerprint on: what
// the matcher saw, in a few words (package fingerprint reads the line after
// "observed: " and normalizes it; TestObservedIsTheFingerprint ties the two).
func observed(what string) string { return "observed: " + strings.Join(strings.Fields(what), " ") }

// statusWords say how an answer came back: its status and errcode ("status
// 400 M_UNKNOWN"), "no errcode" for a JSON body without one, or "not JSON".
func statusWords(status int, errcode string, isJSON bool) string {
	s := "status " + strconv.Itoa(status)
	switch {
	case !isJSON:
		return s + " not JSON"
	case errcode == "":
		return s + " no errcode"
	}
	return s + " " + errcode
}

// isNil reports whether v is a nil pointer (or another nil-able nil) held
// in an interface.
func isNil(v any) bool {
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func:
		return r.IsNil()
	}
	return v == nil
}

// errcode returns the errcode of a Matrix error body, whether the body is
// a JSON object at all, and the parse error if not.
func (a answer) errcode() (string, error) {
	obj, err := matrix.ParseObject(a.body)
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
	return observed(statusWords(a.status, code, err == nil))
}

// failure is the failure message of a response check: why it failed, the
// answer's fingerprint line, then the whole exchange.
func (a answer) failure(why string) string {
	return why + "\n" + a.fingerprintLine() + "\nthe exchange:\n" + a.exchange
}

// Encoded is a value that encodes itself as JSON for the wire, such as an
// event the mock built or received.
type Encoded interface {
	JSON() []byte
}

// objectOf accepts a JSON object in the forms the harness hands around:
// matrix.Object, map[string]any, or an Encoded value whose JSON is an object.
func objectOf(actual any) (matrix.Object, error) {
	switch o := actual.(type) {
	case matrix.Object:
		if o == nil {
			return nil, fmt.Errorf("match: got a nil JSON object")
		}
		return o, nil
	case map[string]any:
		if o == nil {
			return nil, fmt.Errorf("match: got a nil JSON object")
		}
		return matrix.Object(o), nil
	case Encoded:
		if isNil(actual) {
			return nil, fmt.Errorf("match: got a nil %T", actual)
		}
		obj, err := matrix.ParseObject(o.JSON())
		if err != nil {
			return nil, fmt.Errorf("match: %T is not a JSON object: %w", actual, err)
		}
		return obj, nil
	}
	return nil, fmt.Errorf("match: expected a JSON object (matrix.Object, map[string]any or a value encoding one), got %T", actual)
}

// objectsOf reads a JSON array of objects from any value that encodes as
// one (a slice of events a client received, say).
func objectsOf(actual any) ([]matrix.Object, error) {
	b, err := json.Marshal(actual)
	if err != nil {
		return nil, fmt.Errorf("match: %T does not encode as JSON: %w", actual, err)
	}
	v, err := matrix.ParseJSON(b)
	if err != nil {
		return nil, fmt.Errorf("match: %T: %w", actual, err)
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("match: expected a JSON array, %T encodes as %s", actual, showJSON(v))
	}
	objs := make([]matrix.Object, 0, len(arr))
	for i, item := range arr {
		o, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("match: item %d of the array is not a JSON object: %s", i, showJSON(item))
		}
		objs = append(objs, matrix.Object(o))
	}
	return objs, nil
}

// eventList reads a list of events as parsed JSON ([]any) or as objects
// ([]matrix.Object), each item then a map[string]any.
func eventList(actual any) ([]any, bool) {
	switch l := actual.(type) {
	case []any:
		return l, true
	case []matrix.Object:
		var list []any
		for _, o := range l {
			list = append(list, map[string]any(o))
		}
		return list, true
	}
	return nil, false
}

// showJSON renders a JSON value compactly for failure messages (lax
// canonical JSON, so numbers read as sent), cut if long.
func showJSON(v any) string { return showJSONCut(v, 600) }

// showJSONCut is showJSON cut after limit bytes.
func showJSONCut(v any, limit int) string {
	b, err := matrix.CanonicalJSONLax(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	if len(b) > limit {
		return string(b[:limit]) + fmt.Sprintf("… (%d bytes)", len(b))
	}
	return string(b)
}

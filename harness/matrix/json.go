package matrix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"unicode/utf8"
)

// Object is a JSON object as decoded by [ParseObject]: nested objects are
// map[string]any (or Object), arrays []any, numbers json.Number (the literal
// exactly as received), strings string, booleans bool and null nil.
//
// Object is never round-tripped through Go structs, so fields the harness
// does not know about (or knows in another shape, such as v1 event
// references) are preserved as received.
type Object map[string]any

// ParseJSON decodes exactly one JSON value from data, keeping numbers as
// json.Number. It rejects trailing data, invalid UTF-8 and \u escapes that
// encode unpaired UTF-16 surrogates (encoding/json would silently replace
// them with U+FFFD, which would change hashes and signatures).
func ParseJSON(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("matrix: parse JSON: input is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("matrix: parse JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("matrix: parse JSON: trailing data after the JSON value")
	}
	if err := checkSurrogates(data); err != nil {
		return nil, fmt.Errorf("matrix: parse JSON: %w", err)
	}
	return v, nil
}

// ParseObject decodes data, which must hold exactly one JSON object.
func ParseObject(data []byte) (Object, error) {
	v, err := ParseJSON(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("matrix: parse JSON object: got %s", JSONKind(v))
	}
	return Object(m), nil
}

// MustParseObject is ParseObject for literals in tests and fixtures; it
// panics on error.
func MustParseObject(data string) Object {
	o, err := ParseObject([]byte(data))
	if err != nil {
		panic(err)
	}
	return o
}

// checkSurrogates scans syntactically valid JSON text for \uXXXX escapes
// that do not form valid UTF-16 surrogate pairs.
func checkSurrogates(data []byte) error {
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 >= len(data) {
				return nil
			}
			if data[i+1] != 'u' {
				i++
				continue
			}
			r, ok := hex4(data, i+2)
			if !ok {
				return nil // cannot happen for valid JSON
			}
			i += 5
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return fmt.Errorf("unpaired low surrogate \\u%04x in string", r)
			case r >= 0xD800 && r <= 0xDBFF:
				lo, ok := -1, false
				if i+2 < len(data) && data[i+1] == '\\' && data[i+2] == 'u' {
					lo, ok = hex4(data, i+3)
				}
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return fmt.Errorf("unpaired high surrogate \\u%04x in string", r)
				}
				i += 6
			}
		}
	}
	return nil
}

func hex4(data []byte, at int) (int, bool) {
	if at+4 > len(data) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(data[at:at+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	return int(v), true
}

// JSONKind names the JSON type of a parsed value ("a string", "null", …),
// for messages.
func JSONKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any, Object:
		return "an object"
	default:
		return fmt.Sprintf("a Go %T", v)
	}
}

// asObject returns v as an Object if it is a JSON object.
func asObject(v any) (Object, bool) {
	switch m := v.(type) {
	case Object:
		return m, m != nil
	case map[string]any:
		return Object(m), m != nil
	}
	return nil, false
}

// Get returns the top-level field key.
func (o Object) Get(key string) (any, bool) {
	v, ok := o[key]
	return v, ok
}

// Has reports whether the top-level field key is present (even if null).
func (o Object) Has(key string) bool {
	_, ok := o[key]
	return ok
}

// GetString returns the top-level field key if it is a string.
func (o Object) GetString(key string) (string, bool) {
	s, ok := o[key].(string)
	return s, ok
}

// GetObject returns the top-level field key if it is a JSON object. The
// result shares storage with o.
func (o Object) GetObject(key string) (Object, bool) {
	return asObject(o[key])
}

// GetArray returns the top-level field key if it is a JSON array.
func (o Object) GetArray(key string) ([]any, bool) {
	a, ok := o[key].([]any)
	return a, ok
}

// GetInt returns the top-level field key if it is a number written as an
// integer that fits in an int64.
func (o Object) GetInt(key string) (int64, bool) {
	return toInt64(o[key])
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, err == nil
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	}
	return 0, false
}

// Set sets the top-level field key to v. v may be any value accepted by
// [CanonicalJSON]; Go integers are fine.
func (o Object) Set(key string, v any) { o[key] = v }

// Delete removes the top-level field key.
func (o Object) Delete(key string) { delete(o, key) }

// Without returns a shallow copy of o without the given top-level keys.
func (o Object) Without(keys ...string) Object {
	c := maps.Clone(o)
	if c == nil {
		c = Object{}
	}
	for _, k := range keys {
		delete(c, k)
	}
	return c
}

// Clone returns a deep copy of o: nested objects and arrays are copied,
// scalars shared.
func (o Object) Clone() Object {
	if o == nil {
		return nil
	}
	return cloneValue(o).(Object)
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case Object:
		c := make(Object, len(x))
		for k, e := range x {
			c[k] = cloneValue(e)
		}
		return c
	case map[string]any:
		c := make(map[string]any, len(x))
		for k, e := range x {
			c[k] = cloneValue(e)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = cloneValue(e)
		}
		return c
	default:
		return v
	}
}

// Encode returns the canonical JSON encoding of o in lax mode (see
// [CanonicalJSONLax]); use it to send an object on the wire.
func (o Object) Encode() ([]byte, error) {
	return CanonicalJSONLax(o)
}

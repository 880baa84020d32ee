package matrix

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseXMatrix: the parser never panics, and whatever it accepts
// formats back (String) into a header that parses to the same values.
func FuzzParseXMatrix(f *testing.F) {
	for _, seed := range []string{
		`X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF..."`,
		`X-Matrix origin=o,key=ed25519:1,sig=abc`,
		"x-matrix  ORIGIN = \"a\\\"b\" ,\t,key=\"k\",sig=\"s\",unknown=\"\\\\\"",
		`X-Matrix origin="o",origin="p",key="k",sig="s"`,
		`X-Matrix origin="unterminated`,
		`X-Matrix origin="o\`,
		`X-Matrix ,,,`,
		`X-Matrix`,
		`Bearer token`,
		"X-Matrix origin=\"\x80\xff\",key=k,sig=s",
		``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		x, err := ParseXMatrix(header)
		if err != nil {
			return
		}
		if x.Origin == "" || x.KeyID == "" || x.Signature == "" {
			t.Fatalf("accepted %q with an empty required value: %+v", header, x)
		}
		back, err := ParseXMatrix(x.String())
		if err != nil {
			t.Fatalf("%q parsed as %+v, whose String %q does not parse: %v", header, x, x.String(), err)
		}
		if back != x {
			t.Fatalf("%q: %+v re-parses as %+v", header, x, back)
		}
	})
}

// FuzzCanonicalJSON: for any input, parsing and canonicalising never
// panics; accepted output is valid JSON, re-parses to an equal value, is
// a fixed point, and strict output (when there is one) equals lax output.
// Where encoding/json can serve as an independent reference (no numbers
// outside the strict range), outputs agree after undoing the escapes it
// adds.
func FuzzCanonicalJSON(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"one":1,"two":"Two"}`, `{"b":"2","a":"1"}`, `{"a":"日本語"}`, `{"本":2,"日":1}`,
		`{"a":"\u65E5"}`, `{"a":null}`, `{"a":-0,"b":1e10}`, `[1.5,-0.0,1e-7,1E+400,123456789012345678901234]`,
		`{"\ud800\udc00":1,"\uffff":2}`, `"\u0000\u001f\b\f\n\r\t\"\\/<>&\u2028\u2029\u007f"`,
		`[[[[[]]]]]`, `{"a":{"b":{"c":[true,false,null]}}}`, `9007199254740991`, `-9007199254740992`,
		`{"a":"\ud800"}`, `{"a":1,"a":2}`, "\"\xff\"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseJSON(data)
		if err != nil {
			return
		}
		lax, laxErr := CanonicalJSONLax(v)
		strict, strictErr := CanonicalJSON(v)
		if strictErr == nil {
			if laxErr != nil || !bytes.Equal(strict, lax) {
				t.Fatalf("strict %s but lax %s, %v", strict, lax, laxErr)
			}
		} else if !errors.Is(strictErr, ErrStrictJSON) && laxErr == nil {
			t.Fatalf("strict failed without ErrStrictJSON: %v", strictErr)
		}
		if laxErr != nil {
			return
		}
		if !json.Valid(lax) || !utf8.Valid(lax) {
			t.Fatalf("invalid output %q", lax)
		}
		v2, err := ParseJSON(lax)
		if err != nil {
			t.Fatalf("output %q does not parse: %v", lax, err)
		}
		if !jsonEqual(v, v2) {
			t.Fatalf("%q canonicalises to %q, a different value", data, lax)
		}
		again, err := CanonicalJSONLax(v2)
		if err != nil || !bytes.Equal(again, lax) {
			t.Fatalf("not a fixed point: %q → %q, %v", lax, again, err)
		}
		if strictErr == nil {
			if ref, ok := stdlibCanonical(v); ok {
				// encoding/json always escapes U+2028 and U+2029; ours
				// writes them raw, so escaping ours is unambiguous.
				ours := strings.NewReplacer("\u2028", `\u2028`, "\u2029", `\u2029`).Replace(string(strict))
				if ours != string(ref) {
					t.Fatalf("differs from encoding/json:\n ours   %q\n stdlib %q", strict, ref)
				}
			}
		}
	})
}

// jsonEqual compares decoded JSON values, numbers by float64 value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !jsonEqual(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		fx, _ := strconv.ParseFloat(string(x), 64)
		fy, _ := strconv.ParseFloat(string(y), 64)
		return fx == fy || (math.IsInf(fx, 0) && fx == fy)
	default:
		return a == b
	}
}

// stdlibCanonical encodes v with encoding/json, without HTML escaping
// (it sorts map keys by bytes too). It reports false for values it cannot
// judge.
func stdlibCanonical(v any) ([]byte, bool) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, false
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	// Strict numbers are plain integers; -0 is the one literal we rewrite.
	if bytes.Contains(out, []byte("-0")) {
		return nil, false
	}
	return out, true
}

// FuzzDecodeBase64: decoding never panics and accepted input re-encodes
// to itself (modulo padding and alphabet).
func FuzzDecodeBase64(f *testing.F) {
	for _, s := range []string{"", "Zg", "Zm8=", "+//+Pg", "-__-Pg==", "+_", "Z", "===="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := DecodeBase64(s)
		if err != nil {
			return
		}
		body := strings.TrimRight(s, "=")
		if EncodeBase64(b) != body && EncodeBase64URL(b) != body {
			// Non-zero trailing bits decode leniently; the re-encoding
			// must still decode to the same bytes.
			b2, err := DecodeBase64(EncodeBase64(b))
			if err != nil || !bytes.Equal(b, b2) {
				t.Fatalf("%q → %x does not round-trip", s, b)
			}
		}
	})
}

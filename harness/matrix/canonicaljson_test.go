package matrix

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestCanonicalJSONAppendixExamples pins every example of appendices.md
// "Canonical JSON" → "Examples".
func TestCanonicalJSONAppendixExamples(t *testing.T) {
	tests := []struct {
		name, in, want string
		laxOnly        bool
	}{
		{"empty", `{}`, `{}`, false},
		{"one two", "{\n    \"one\": 1,\n    \"two\": \"Two\"\n}", `{"one":1,"two":"Two"}`, false},
		{"sorted pretty", "{\n    \"b\": \"2\",\n    \"a\": \"1\"\n}", `{"a":"1","b":"2"}`, false},
		{"sorted compact", `{"b":"2","a":"1"}`, `{"a":"1","b":"2"}`, false},
		{"nested", `{
    "auth": {
        "success": true,
        "mxid": "@john.doe:example.com",
        "profile": {
            "display_name": "John Doe",
            "three_pids": [
                {
                    "medium": "email",
                    "address": "john.doe@example.org"
                },
                {
                    "medium": "msisdn",
                    "address": "123456789"
                }
            ]
        }
    }
}`, `{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}`, false},
		{"utf-8 value", `{"a": "日本語"}`, `{"a":"日本語"}`, false},
		{"utf-8 keys", `{"本": 2, "日": 1}`, `{"日":1,"本":2}`, false},
		{"unicode escape", `{"a": "\u65E5"}`, `{"a":"日"}`, false},
		{"null", `{"a": null}`, `{"a":null}`, false},
		// The appendix canonicalises 1e10; strict mode (room v6+) rejects
		// the exponent notation of the input instead, see
		// TestCanonicalJSONStrictRejects.
		{"negative zero and exponent", `{"a": -0, "b": 1e10}`, `{"a":0,"b":10000000000}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalizeJSON([]byte(tt.in), false)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("lax: got %s, want %s", got, tt.want)
			}
			got, err = CanonicalizeJSON([]byte(tt.in), true)
			if tt.laxOnly {
				if !errors.Is(err, ErrStrictJSON) {
					t.Errorf("strict: got %s, %v; want ErrStrictJSON", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("strict: got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCanonicalJSONEscaping(t *testing.T) {
	tests := []struct {
		name string
		in   string // Go string value
		want string // encoded
	}{
		{"html characters stay raw", "<a href=\"x\">&amp;</a>", `"<a href=\"x\">&amp;</a>"`},
		{"line and paragraph separators stay raw", "\u2028\u2029", "\"\u2028\u2029\""},
		{"quote and backslash", `"\`, `"\"\\"`},
		{"short escapes", "\b\t\n\f\r", `"\b\t\n\f\r"`},
		{"other control characters as lowercase \\u00XX", "\x00\x01\x07\x0b\x0e\x1a\x1f", `"\u0000\u0001\u0007\u000b\u000e\u001a\u001f"`},
		{"DEL stays raw", "\x7f", "\"\x7f\""},
		{"slash not escaped", "a/b", `"a/b"`},
		{"astral plane raw", "😀", `"😀"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, strict := range []bool{true, false} {
				enc := CanonicalJSONLax
				if strict {
					enc = CanonicalJSON
				}
				got, err := enc(tt.in)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tt.want {
					t.Errorf("strict=%v: got %s, want %s", strict, got, tt.want)
				}
			}
			// Escapes in the input are undone and re-done canonically.
			in, _ := json.Marshal(tt.in) // escapes <, >, &, U+2028, U+2029
			got, err := CanonicalizeJSON(in, true)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("from %s: got %s, want %s", in, got, tt.want)
			}
		})
	}
}

func TestCanonicalJSONKeyOrder(t *testing.T) {
	// Code point order: U+FFFF sorts before U+10000, unlike UTF-16 order
	// (where U+10000 is the surrogate pair D800 DC00); "é" (U+00E9)
	// after "z"; upper case before lower case.
	in := `{"\ud800\udc00":1,"\uffff":2,"é":3,"z":4,"Z":5,"a":6,"":7,"aa":8,"日":9}`
	want := "{\"\":7,\"Z\":5,\"a\":6,\"aa\":8,\"z\":4,\"é\":3,\"日\":9,\"\uffff\":2,\"\U00010000\":1}"
	got, err := CanonicalizeJSON([]byte(in), true)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestCanonicalJSONStrictRejects(t *testing.T) {
	for _, in := range []string{
		`1.5`, `1e3`, `1E3`, `1.0`, `-0.0`, `0e0`,
		`9007199254740992`,  // 2^53
		`-9007199254740992`, // -2^53
		`12345678901234567890`,
		`{"a":[{"b":2.5}]}`,
	} {
		got, err := CanonicalizeJSON([]byte(in), true)
		if !errors.Is(err, ErrStrictJSON) {
			t.Errorf("strict %s: got %s, %v; want ErrStrictJSON", in, got, err)
		}
	}
	for _, v := range []any{1.5, float64(1 << 53), int64(1 << 53), int64(-(1 << 53)), uint64(1 << 53), json.Number("1e3")} {
		if got, err := CanonicalJSON(v); !errors.Is(err, ErrStrictJSON) {
			t.Errorf("strict Go %T %v: got %s, %v; want ErrStrictJSON", v, v, got, err)
		}
	}
}

func TestCanonicalJSONIntegers(t *testing.T) {
	tests := []struct{ in, want string }{
		{`0`, `0`},
		{`-0`, `0`},
		{`9007199254740991`, `9007199254740991`},
		{`-9007199254740991`, `-9007199254740991`},
		{`[1,-1,42]`, `[1,-1,42]`},
	}
	for _, tt := range tests {
		for _, strict := range []bool{true, false} {
			got, err := CanonicalizeJSON([]byte(tt.in), strict)
			if err != nil || string(got) != tt.want {
				t.Errorf("strict=%v %s: got %s, %v; want %s", strict, tt.in, got, err, tt.want)
			}
		}
	}
	for _, v := range []any{int64(MaxSafeInteger), -MaxSafeInteger, float64(12), uint8(7)} {
		if _, err := CanonicalJSON(v); err != nil {
			t.Errorf("strict Go %T %v: %v", v, v, err)
		}
	}
	// Every Go integer type encodes as its number.
	for _, v := range []any{int(-7), int8(-7), int16(-7), int32(-7), int64(-7), uint(7), uint8(7), uint16(7), uint32(7), uint64(7)} {
		if got, err := CanonicalJSON(v); err != nil || string(got) != fmt.Sprint(v) {
			t.Errorf("Go %T: got %s, %v; want %v", v, got, err, v)
		}
	}
}

func TestCanonicalJSONLaxNumbers(t *testing.T) {
	tests := []struct{ in, want string }{
		{`1e10`, `10000000000`},
		{`1E+2`, `100`},
		{`1.0`, `1`},
		{`-0.0`, `0`},
		{`-1.5e3`, `-1500`},
		{`120e-1`, `12`},
		{`9007199254740992`, `9007199254740992`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
		{`1.5`, `1.5`},
		{`50.57`, `50.57`}, // rooms/fragments/v1-floaty-power-levels.md
		{`-0.25`, `-0.25`},
		{`0.0001`, `0.0001`},
		{`0.00001`, `1e-05`},
		{`1.5e-7`, `1.5e-07`},
		{`1234567.5`, `1234567.5`},
		{`0.1e1`, `1`},
		{`1e-400`, `0`},
		{`1.5e400`, "15" + strings.Repeat("0", 399)},
	}
	for _, tt := range tests {
		got, err := CanonicalizeJSON([]byte(tt.in), false)
		if err != nil || string(got) != tt.want {
			t.Errorf("lax %s: got %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{`1e5000`, "1" + strings.Repeat("0", 400) + ".5"} {
		if got, err := CanonicalizeJSON([]byte(in), false); err == nil {
			t.Errorf("lax %s: got %s, want an error", in, got)
		}
	}
	if got, err := CanonicalJSONLax(0.1); err != nil || string(got) != "0.1" {
		t.Errorf("lax float 0.1: %s, %v", got, err)
	}
	for _, f := range []float64{math.NaN(), math.Inf(1)} {
		if _, err := CanonicalJSONLax(f); err == nil {
			t.Errorf("lax %v: want error", f)
		}
	}
}

func TestCanonicalJSONGoValues(t *testing.T) {
	type body struct {
		B string `json:"b"`
		A int    `json:"a"`
		H string `json:"h"`
	}
	got, err := CanonicalJSON(map[string]any{
		"struct": body{B: "x", A: 1, H: "<&>"},
		"raw":    json.RawMessage(`{"z": 1, "y": [true, false, null]}`),
		"strs":   []string{"b", "a"},
		"m":      map[string]string{"k": "v"},
		"obj":    Object{"n": json.Number("3")},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"m":{"k":"v"},"obj":{"n":3},"raw":{"y":[true,false,null],"z":1},"strs":["b","a"],"struct":{"a":1,"b":"x","h":"<&>"}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := CanonicalJSON(map[string]any{"c": make(chan int)}); err == nil {
		t.Error("channel: want error")
	}
	if _, err := CanonicalJSON("\xff"); err == nil {
		t.Error("invalid UTF-8 string: want error")
	}
	if _, err := CanonicalJSON(json.Number("01")); err == nil {
		t.Error("invalid number literal: want error")
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	if _, err := CanonicalJSON(cyclic); err == nil || !strings.Contains(err.Error(), "deeply") {
		t.Errorf("cyclic value: got %v, want depth error", err)
	}
}

func TestParseJSON(t *testing.T) {
	bad := map[string]string{
		"trailing data":          `{} {}`,
		"trailing garbage":       `{}x`,
		"invalid UTF-8":          "{\"a\":\"\xff\"}",
		"lone high surrogate":    `{"a":"\ud800"}`,
		"lone low surrogate":     `{"a":"\udc00x"}`,
		"high then non-low":      `{"a":"\ud800\u0041"}`,
		"surrogate in key":       `{"\udfff":1}`,
		"not JSON":               `{a:1}`,
		"empty":                  ``,
		"leading zero":           `{"a":01}`,
		"high surrogate at end":  `"\ud83d"`,
		"high surrogate escaped": `"\ud83d\\udc00"`,
	}
	for name, in := range bad {
		if v, err := ParseJSON([]byte(in)); err == nil {
			t.Errorf("%s: %q parsed as %v, want error", name, in, v)
		}
	}
	good := map[string]string{
		"surrogate pair":             `{"a":"\ud83d\ude00"}`,
		"escaped backslash then u":   `{"a":"\\ud800"}`,
		"whitespace around":          " \n{\"a\":1}\n ",
		"duplicate keys (last wins)": `{"a":1,"a":2}`,
	}
	for name, in := range good {
		if _, err := ParseJSON([]byte(in)); err != nil {
			t.Errorf("%s: %q: %v", name, in, err)
		}
	}
	if _, err := ParseObject([]byte(`[1]`)); err == nil {
		t.Error("ParseObject of an array: want error")
	}
	o := MustParseObject(`{"n": 12345678901234567890123}`)
	if n := o["n"].(json.Number); n != "12345678901234567890123" {
		t.Errorf("number literal not kept: %s", n)
	}
}

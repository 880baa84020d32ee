package matrix

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Canonical JSON, appendices.md "Canonical JSON": the shortest UTF-8
// encoding, object keys sorted by Unicode code point, no insignificant
// whitespace, only the escapes the grammar allows, integers within
// ±(2^53−1) without exponent, fraction or negative zero.

// MaxSafeInteger is 2^53−1, the largest magnitude canonical JSON allows.
const MaxSafeInteger = 1<<53 - 1

// maxDepth bounds nesting so cyclic or hostile values cannot exhaust the
// stack (encoding/json's decoder stops at 10000 too).
const maxDepth = 10000

// maxIntegerDigits bounds the digits lax mode writes for one number
// (CPython, which Synapse runs on, refuses longer integer literals).
const maxIntegerDigits = 4300

// ErrStrictJSON is wrapped by errors for values that strict canonical JSON
// (room versions 6 and later, rooms/fragments/v6-canonical-json.md) does
// not allow: non-integers, exponents and integers outside ±(2^53−1). A
// server maps it to 400 M_BAD_JSON.
var ErrStrictJSON = errors.New("not allowed in strict canonical JSON")

// CanonicalJSON encodes v as strict canonical JSON. v may be anything
// ParseJSON returns, an Object, Go integers, integral float64s within
// range, []string, map[string]string, json.RawMessage, or any other value
// encoding/json can marshal (it is marshalled, re-parsed and canonicalised).
// Numbers must be integers in ±(2^53−1) written without fraction or
// exponent; -0 is written as 0.
func CanonicalJSON(v any) ([]byte, error) {
	e := canonicalEncoder{strict: true}
	if err := e.value(v, 0); err != nil {
		return nil, fmt.Errorf("matrix: canonical JSON: %w", err)
	}
	return e.buf, nil
}

// CanonicalJSONLax encodes v as canonical JSON without rejecting numbers,
// for room versions 1–5 (rooms/fragments/v1-canonical-json.md: servers
// MUST NOT strictly enforce the format). Integral numbers, whatever their
// notation, are written as plain integers (appendices.md example:
// 1e10 → 10000000000, -0 → 0); other numbers are rounded to float64 and
// written in the shortest form that round-trips, laid out as Python's
// repr does (1.5, 1e-05), since the spec defines no form for them.
func CanonicalJSONLax(v any) ([]byte, error) {
	e := canonicalEncoder{}
	if err := e.value(v, 0); err != nil {
		return nil, fmt.Errorf("matrix: canonical JSON: %w", err)
	}
	return e.buf, nil
}

// CanonicalizeJSON parses the JSON text data and re-encodes it as
// canonical JSON, strictly or laxly.
func CanonicalizeJSON(data []byte, strict bool) ([]byte, error) {
	v, err := ParseJSON(data)
	if err != nil {
		return nil, err
	}
	if strict {
		return CanonicalJSON(v)
	}
	return CanonicalJSONLax(v)
}

type canonicalEncoder struct {
	buf    []byte
	strict bool
}

func (e *canonicalEncoder) value(v any, depth int) error {
	if depth > maxDepth {
		return errors.New("value nested too deeply")
	}
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case string:
		return e.string(x)
	case json.Number:
		return e.number(string(x))
	case float64:
		return e.float(x)
	case float32:
		return e.float(float64(x))
	case int, int8, int16, int32, int64:
		return e.int(reflect.ValueOf(x).Int())
	case uint, uint8, uint16, uint32, uint64:
		return e.uint(reflect.ValueOf(x).Uint())
	case Object:
		return e.object(x, depth)
	case map[string]any:
		return e.object(x, depth)
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, s := range x {
			m[k] = s
		}
		return e.object(m, depth)
	case []any:
		return e.array(x, depth)
	case []string:
		a := make([]any, len(x))
		for i, s := range x {
			a[i] = s
		}
		return e.array(a, depth)
	case json.RawMessage:
		p, err := ParseJSON(x)
		if err != nil {
			return err
		}
		return e.value(p, depth)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("cannot encode Go value of type %T: %w", v, err)
		}
		p, err := ParseJSON(raw)
		if err != nil {
			return err
		}
		return e.value(p, depth)
	}
	return nil
}

func (e *canonicalEncoder) object(m map[string]any, depth int) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Go orders strings by their UTF-8 bytes, and UTF-8 byte order is
	// Unicode code point order (unlike UTF-16 order, for code points
	// above U+FFFF), which is what the spec asks for.
	slices.Sort(keys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.string(k); err != nil {
			return err
		}
		e.buf = append(e.buf, ':')
		if err := e.value(m[k], depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func (e *canonicalEncoder) array(a []any, depth int) error {
	e.buf = append(e.buf, '[')
	for i, v := range a {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.value(v, depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

const hexDigits = "0123456789abcdef"

// shortEscapes are the characters a string escapes as a backslash and a
// letter (or themselves); other control characters become \u00XX.
var shortEscapes = map[byte]byte{'"': '"', '\\': '\\', '\b': 'b', '\t': 't', '\n': 'n', '\f': 'f', '\r': 'r'}

// string writes s with only the escapes the canonical JSON grammar
// allows: \" \\ \b \t \n \f \r, and \u00XX (lowercase hex) for other ASCII
// control characters. Everything else, including <, >, &, DEL, U+2028 and
// U+2029, is written as raw UTF-8.
func (e *canonicalEncoder) string(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("string %q is not valid UTF-8", s)
	}
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		e.buf = append(e.buf, s[start:i]...)
		if short, ok := shortEscapes[c]; ok {
			e.buf = append(e.buf, '\\', short)
		} else {
			e.buf = append(e.buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
	return nil
}

func (e *canonicalEncoder) int(i int64) error {
	if e.strict && (i > MaxSafeInteger || i < -MaxSafeInteger) {
		return fmt.Errorf("%w: integer %d is outside ±(2^53−1)", ErrStrictJSON, i)
	}
	e.buf = strconv.AppendInt(e.buf, i, 10)
	return nil
}

func (e *canonicalEncoder) uint(u uint64) error {
	if e.strict && u > MaxSafeInteger {
		return fmt.Errorf("%w: integer %d is outside ±(2^53−1)", ErrStrictJSON, u)
	}
	e.buf = strconv.AppendUint(e.buf, u, 10)
	return nil
}

// float writes a Go float64 (not a JSON literal).
func (e *canonicalEncoder) float(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("number %v cannot be represented in JSON", f)
	}
	if e.strict {
		if f != math.Trunc(f) {
			return fmt.Errorf("%w: number %v is not an integer", ErrStrictJSON, f)
		}
		if math.Abs(f) > MaxSafeInteger {
			return fmt.Errorf("%w: number %v is outside ±(2^53−1)", ErrStrictJSON, f)
		}
		return e.int(int64(f))
	}
	e.buf = appendLaxFloat(e.buf, f)
	return nil
}

// number writes a JSON number literal.
func (e *canonicalEncoder) number(lit string) error {
	d, ok := parseDecimal(lit)
	if !ok {
		return fmt.Errorf("invalid JSON number %q", lit)
	}
	if e.strict {
		if d.hasFrac || d.hasExp {
			return fmt.Errorf("%w: number %s has a fraction or exponent", ErrStrictJSON, lit)
		}
		if len(d.intPart) > 16 {
			return fmt.Errorf("%w: integer %s is outside ±(2^53−1)", ErrStrictJSON, lit)
		}
		i, err := strconv.ParseInt(d.intPart, 10, 64)
		if err != nil || i > MaxSafeInteger {
			return fmt.Errorf("%w: integer %s is outside ±(2^53−1)", ErrStrictJSON, lit)
		}
		if d.neg {
			i = -i
		}
		e.buf = strconv.AppendInt(e.buf, i, 10)
		return nil
	}
	// Lax: integral values are written as integers, exactly.
	digits, exp := d.normalised()
	if digits == "" {
		e.buf = append(e.buf, '0')
		return nil
	}
	if exp >= 0 {
		if int64(len(digits))+exp > maxIntegerDigits {
			return fmt.Errorf("number %s has more than %d integer digits", lit, maxIntegerDigits)
		}
		if d.neg {
			e.buf = append(e.buf, '-')
		}
		e.buf = append(e.buf, digits...)
		for range exp {
			e.buf = append(e.buf, '0')
		}
		return nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		return fmt.Errorf("number %s is outside the range of a float64", lit)
	}
	e.buf = appendLaxFloat(e.buf, f)
	return nil
}

// appendLaxFloat writes f as an integer if it is integral, otherwise in
// Python repr layout: fixed notation for 1e-4 <= |f| < 1e16, else
// exponent notation with a signed, at least two-digit exponent.
func appendLaxFloat(buf []byte, f float64) []byte {
	if f == 0 {
		return append(buf, '0')
	}
	if f == math.Trunc(f) {
		return strconv.AppendFloat(buf, f, 'f', -1, 64)
	}
	sci := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(sci[strings.IndexByte(sci, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return append(buf, sci...)
	}
	return strconv.AppendFloat(buf, f, 'f', -1, 64)
}

// decimal is a JSON number literal split into its parts.
type decimal struct {
	neg      bool
	intPart  string // digits before any '.'
	fracPart string // digits after '.'
	exp      int64  // exponent value, clamped to ±1e9
	hasFrac  bool
	hasExp   bool
}

// parseDecimal splits lit per the JSON number grammar (RFC 8259).
func parseDecimal(lit string) (decimal, bool) {
	var d decimal
	s := lit
	if strings.HasPrefix(s, "-") {
		d.neg = true
		s = s[1:]
	}
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 || (i > 1 && s[0] == '0') {
		return d, false
	}
	d.intPart, s = s[:i], s[i:]
	if strings.HasPrefix(s, ".") {
		s = s[1:]
		i = 0
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == 0 {
			return d, false
		}
		d.hasFrac = true
		d.fracPart, s = s[:i], s[i:]
	}
	if len(s) > 0 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		expNeg := false
		if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
			expNeg = s[0] == '-'
			s = s[1:]
		}
		i = 0
		for i < len(s) && isDigit(s[i]) {
			if d.exp < 1e9 {
				d.exp = d.exp*10 + int64(s[i]-'0')
			}
			i++
		}
		if i == 0 {
			return d, false
		}
		if expNeg {
			d.exp = -d.exp
		}
		d.hasExp = true
		s = s[i:]
	}
	return d, s == ""
}

// normalised returns the significant digits (no leading or trailing
// zeros; "" for zero) and the exponent e such that the value's magnitude
// is digits × 10^e.
func (d decimal) normalised() (string, int64) {
	digits := strings.TrimLeft(d.intPart+d.fracPart, "0")
	exp := d.exp - int64(len(d.fracPart))
	trimmed := strings.TrimRight(digits, "0")
	exp += int64(len(digits) - len(trimmed))
	return trimmed, exp
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

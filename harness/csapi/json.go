package csapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// decodeJSON decodes exactly one JSON value from data into v, numbers as
// json.Number, and rejects trailing data.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty body")
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func compactJSON(buf *bytes.Buffer, data []byte) error {
	if !json.Valid(data) {
		return errors.New("not JSON")
	}
	return json.Compact(buf, data)
}

// splitPath splits a dotted path into keys; `\.` is a literal dot and `\\`
// a literal backslash.
func splitPath(path string) []string {
	if path == "" {
		return nil
	}
	var keys []string
	var cur strings.Builder
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c == '\\' && i+1 < len(path) && (path[i+1] == '.' || path[i+1] == '\\'):
			cur.WriteByte(path[i+1])
			i++
		case c == '.':
			keys = append(keys, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(keys, cur.String())
}

// EscapeKey escapes dots in a key so it can be part of a dotted path for Get:
// "rooms.join." + EscapeKey(roomID).
func EscapeKey(key string) string {
	return strings.NewReplacer(`\`, `\\`, ".", `\.`).Replace(key)
}

// lookup walks keys through decoded JSON: object members by name, array
// elements by decimal index.
func lookup(v any, keys []string) (any, bool) {
	for _, k := range keys {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[k]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			v = node[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// stringAt returns the string at keys, or "".
func stringAt(v any, keys ...string) string {
	x, _ := lookup(v, keys)
	s, _ := x.(string)
	return s
}

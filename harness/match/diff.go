package match

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"herald/harness/matrix"
)

// change is one difference between two JSON values: at path, the sent
// value and the returned one (absent when a side has no such field).
type change struct {
	path       string
	sent, got  any
	hasSent    bool
	hasGot     bool
	typeChange bool
}

func (c change) String() string {
	switch {
	case !c.hasGot:
		return fmt.Sprintf("%s: removed (sent %s)", c.path, showJSON(c.sent))
	case !c.hasSent:
		return fmt.Sprintf("%s: added %s (not in what was sent)", c.path, showJSON(c.got))
	default:
		return fmt.Sprintf("%s: sent %s, returned %s", c.path, showJSON(c.sent), showJSON(c.got))
	}
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// childPath appends an object key to a path: a.b, or a["host:8448"] for
// keys that are not plain words.
func childPath(path, key string) string {
	if plainKey.MatchString(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return fmt.Sprintf("%s[%q]", path, key)
}

// diffJSON lists every difference between sent and got, field by field,
// descending into objects and into arrays of equal length. Numbers compare
// by value as canonical JSON writes them, so 1 and 1.0 are the same.
func diffJSON(path string, sent, got any) []change {
	so, sIsObj := asMap(sent)
	gotObj, gIsObj := asMap(got)
	if sIsObj && gIsObj {
		keys := map[string]bool{}
		for k := range so {
			keys[k] = true
		}
		for k := range gotObj {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted)
		var out []change
		for _, k := range sorted {
			sv, sok := so[k]
			gv, gok := gotObj[k]
			p := childPath(path, k)
			switch {
			case !gok:
				out = append(out, change{path: p, sent: sv, hasSent: true})
			case !sok:
				out = append(out, change{path: p, got: gv, hasGot: true})
			default:
				out = append(out, diffJSON(p, sv, gv)...)
			}
		}
		return out
	}
	sa, sIsArr := sent.([]any)
	ga, gIsArr := got.([]any)
	if sIsArr && gIsArr && len(sa) == len(ga) {
		var out []change
		for i := range sa {
			out = append(out, diffJSON(fmt.Sprintf("%s[%d]", path, i), sa[i], ga[i])...)
		}
		return out
	}
	if sameJSON(sent, got) {
		return nil
	}
	if path == "" {
		path = "(the whole value)"
	}
	return []change{{path: path, sent: sent, got: got, hasSent: true, hasGot: true}}
}

func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case matrix.Object:
		return m, true
	case map[string]any:
		return m, true
	}
	return nil, false
}

// sameJSON compares two JSON values by their lax canonical encodings.
func sameJSON(a, b any) bool {
	ab, errA := matrix.CanonicalJSONLax(a)
	bb, errB := matrix.CanonicalJSONLax(b)
	if errA != nil || errB != nil {
		return false
	}
	return bytes.Equal(ab, bb)
}

func describeChanges(changes []change) string {
	var b strings.Builder
	for _, c := range changes {
		b.WriteString("    " + c.String() + "\n")
	}
	return b.String()
}

// changedFields names the changed fields, as a fingerprint: "changed
// unsigned, unsigned.age (added)". Values are left out, paths are kept.
func changedFields(changes []change) string {
	parts := make([]string, len(changes))
	for i, c := range changes {
		switch {
		case !c.hasGot:
			parts[i] = c.path + " (removed)"
		case !c.hasSent:
			parts[i] = c.path + " (added)"
		default:
			parts[i] = c.path
		}
	}
	slices.Sort(parts)
	return "changed " + strings.Join(parts, ", ")
}

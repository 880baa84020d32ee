package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// Expectation is one known failure of a homeserver, an entry of its
// expectations file (fixtures/expectations/<hs>.yaml): which spec, why, how
// bad, where the spec says so, and how the failure looked when it was
// recorded.
type Expectation struct {
	// ID is a spec ID ("INV2-SIGN/v3") or a rule ID covering the room
	// versions its Observed lists.
	ID string `json:"id"`
	// Severity is security, must or should.
	Severity string `json:"severity"`
	// Reason says what the server does instead, as observed.
	Reason string `json:"reason"`
	// Section is the spec section the server departs from.
	Section string `json:"section"`
	// Link is an upstream issue, if one is known.
	Link string `json:"link,omitempty"`
	// Observed is the fingerprint of the failure, per room version when
	// the entry is a rule ID covering a table.
	Observed Observed `json:"observed,omitzero"`
}

// Observed is an expectation's recorded failure: one fingerprint, or one per
// room version ("v3": …).
type Observed struct {
	One      string
	Versions map[string]string
}

// IsZero reports whether nothing is recorded.
func (o Observed) IsZero() bool { return o.One == "" && len(o.Versions) == 0 }

// MarshalJSON writes a string or an object of versions.
func (o Observed) MarshalJSON() ([]byte, error) {
	if o.Versions != nil {
		return json.Marshal(o.Versions)
	}
	return json.Marshal(o.One)
}

// UnmarshalJSON reads a fingerprint or an object of versions ("v1": …),
// where each fingerprint may be a list: the failures a server is known to
// alternate between (kept one per line, see SameFailure).
func (o *Observed) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		o.Versions = map[string]string{}
		for k, v := range raw {
			if _, err := versionNumber(k); err != nil {
				return fmt.Errorf("observed: %q is not a room version (v1, v2, …)", k)
			}
			fp, err := fingerprints(v)
			if err != nil {
				return fmt.Errorf("observed %s: %w", k, err)
			}
			o.Versions[k] = fp
		}
		return nil
	}
	fp, err := fingerprints(b)
	o.One = fp
	return err
}

// fingerprints reads one fingerprint, or a list of them (one per line).
func fingerprints(b []byte) (string, error) {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		return one, nil
	}
	var several []string
	if err := json.Unmarshal(b, &several); err != nil || len(several) == 0 {
		return "", fmt.Errorf("want a fingerprint or a list of them, got %s", b)
	}
	for _, fp := range several {
		if fp == "" || strings.Contains(fp, "\n") {
			return "", fmt.Errorf("an empty or multi-line fingerprint in %s", b)
		}
	}
	return strings.Join(several, "\n"), nil
}

// writeFingerprints writes one fingerprint as a YAML scalar, several as a
// flow list.
func writeFingerprints(fp string) string {
	several := strings.Split(fp, "\n")
	if len(several) == 1 {
		return quote(fp)
	}
	for i, s := range several {
		several[i] = quote(s)
	}
	return "[" + strings.Join(several, ", ") + "]"
}

func versionNumber(key string) (int, error) {
	n, ok := strings.CutPrefix(key, "v")
	if !ok {
		return 0, fmt.Errorf("no v")
	}
	return strconv.Atoi(n)
}

// versionKeys lists an Observed's versions in room-version order.
func (o Observed) versionKeys() []string {
	keys := make([]string, 0, len(o.Versions))
	for k := range o.Versions {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, _ := versionNumber(keys[i])
		b, _ := versionNumber(keys[j])
		return a < b
	})
	return keys
}

// Placeholder is the reason `make expectations` gives a new entry: the
// catalogue check refuses it until a person writes what the server does.
const Placeholder = "TODO: a person writes what the server does instead and why (observed failure below)"

// ExpectationsFile is an expectations file: its leading comment, the
// homeserver and the entries in their order.
type ExpectationsFile struct {
	Header     string        `json:"-"`
	Homeserver string        `json:"homeserver"`
	Expected   []Expectation `json:"expected"`
}

// LoadExpectations reads an expectations file's entries. An empty path
// means none: every failure counts.
func LoadExpectations(path string) ([]Expectation, error) {
	f, err := ReadExpectations(path)
	if err != nil || f == nil {
		return nil, err
	}
	return f.Expected, nil
}

// ReadExpectations reads and checks an expectations file (nil for an empty
// path).
func ReadExpectations(path string) (*ExpectationsFile, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading expectations: %w", err)
	}
	var f ExpectationsFile
	if err := yaml.UnmarshalStrict(raw, &f); err != nil {
		return nil, fmt.Errorf("expectations %s are not valid: %w", path, err)
	}
	f.Header = header(raw)
	seen := map[string]bool{}
	for i, e := range f.Expected {
		switch {
		case e.ID == "":
			return nil, fmt.Errorf("expectations %s: entry %d has no id", path, i+1)
		case strings.TrimSpace(e.Reason) == "" || strings.TrimSpace(e.Section) == "":
			return nil, fmt.Errorf("expectations %s: %s needs a reason and the spec section", path, e.ID)
		case !slices.Contains(Severities, e.Severity):
			return nil, fmt.Errorf("expectations %s: %s needs a severity: %s", path, e.ID, strings.Join(Severities, ", "))
		case seen[e.ID]:
			return nil, fmt.Errorf("expectations %s: %s is listed twice", path, e.ID)
		}
		seen[e.ID] = true
	}
	return &f, nil
}

// header is the file's leading comment lines.
func header(raw []byte) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(string(raw), "\n") {
		if !strings.HasPrefix(line, "#") {
			break
		}
		b.WriteString(line)
	}
	return b.String()
}

// CheckExpectations returns an error naming every entry whose ID no spec
// carries: a typo or a renamed spec would otherwise silently stop counting.
func CheckExpectations(entries []Expectation, known func(id string) bool) error {
	var unknown []string
	for _, e := range entries {
		if !known(e.ID) {
			unknown = append(unknown, e.ID)
		}
		for _, k := range e.Observed.versionKeys() {
			if !known(e.ID + "/" + k) {
				unknown = append(unknown, e.ID+"/"+k)
			}
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return fmt.Errorf("expectations name specs that do not exist: %s", strings.Join(unknown, ", "))
}

// Unfinished lists what a person still has to write: entries whose reason
// is the placeholder and entries that record no observed failure.
func Unfinished(entries []Expectation) []string {
	var out []string
	for _, e := range entries {
		switch {
		case strings.TrimSpace(e.Reason) == Placeholder:
			out = append(out, e.ID+": the reason is the placeholder; write what the server does instead")
		case e.Observed.IsZero():
			out = append(out, e.ID+": no observed failure recorded (make expectations records it)")
		}
	}
	return out
}

// NewPolicy is the policy of a run that expects entries (the homeserver's
// expectations file), or holds to the spec's text when strict.
func NewPolicy(entries []Expectation, strict bool) Policy {
	p := Policy{Strict: strict, Expected: map[string]Expectation{}}
	for _, e := range entries {
		p.Expected[e.ID] = e
	}
	return p
}

// observedBySpec maps each spec ID the entry covers to its fingerprint.
func (e Expectation) observedBySpec() map[string]string {
	m := map[string]string{}
	if e.Observed.Versions != nil {
		for k, fp := range e.Observed.Versions {
			m[e.ID+"/"+k] = fp
		}
	} else if e.Observed.One != "" {
		m[e.ID] = e.Observed.One
	}
	return m
}

// Render writes the file in its one canonical form, so a refresh that
// changes nothing changes no byte.
func (f *ExpectationsFile) Render() []byte {
	var b strings.Builder
	b.WriteString(f.Header)
	fmt.Fprintf(&b, "homeserver: %s\n", f.Homeserver)
	if len(f.Expected) == 0 {
		b.WriteString("expected: []\n")
		return []byte(b.String())
	}
	b.WriteString("expected:\n")
	for _, e := range f.Expected {
		fmt.Fprintf(&b, "  - id: %s\n", e.ID)
		fmt.Fprintf(&b, "    severity: %s\n", e.Severity)
		fmt.Fprintf(&b, "    reason: %s\n", quote(e.Reason))
		fmt.Fprintf(&b, "    section: %s\n", quote(e.Section))
		if e.Link != "" {
			fmt.Fprintf(&b, "    link: %s\n", quote(e.Link))
		}
		switch {
		case e.Observed.Versions != nil:
			b.WriteString("    observed:\n")
			for _, k := range e.Observed.versionKeys() {
				fmt.Fprintf(&b, "      %s: %s\n", k, writeFingerprints(e.Observed.Versions[k]))
			}
		case e.Observed.One != "":
			fmt.Fprintf(&b, "    observed: %s\n", writeFingerprints(e.Observed.One))
		}
	}
	return []byte(b.String())
}

// quote writes a YAML scalar: single-quoted, or double-quoted (JSON) when
// it holds a line break or a control character.
func quote(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) < 0 {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}

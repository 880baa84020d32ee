// Package expectations reads a homeserver's known failures (fixtures/expectations/<hs>.yaml).
package expectations

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"herald/harness/conformance"
)

// Entry is one known failure: which spec, why, and where the spec says so.
type Entry struct {
	// ID is a spec ID ("INV2-SIGN/v3") or a rule ID covering every room version.
	ID string `json:"id"`
	// Reason says what the server does instead, as observed.
	Reason string `json:"reason"`
	// Section is the spec section the server departs from.
	Section string `json:"section"`
	// Link is an upstream issue, if one is known.
	Link string `json:"link,omitempty"`
}

type file struct {
	Homeserver string  `json:"homeserver"`
	Expected   []Entry `json:"expected"`
}

// Load reads an expectations file. An empty path means none: every failure
// counts.
func Load(path string) ([]Entry, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading expectations: %w", err)
	}
	var f file
	if err := yaml.UnmarshalStrict(raw, &f); err != nil {
		return nil, fmt.Errorf("expectations %s are not valid: %w", path, err)
	}
	seen := map[string]bool{}
	for i, e := range f.Expected {
		switch {
		case e.ID == "":
			return nil, fmt.Errorf("expectations %s: entry %d has no id", path, i+1)
		case strings.TrimSpace(e.Reason) == "" || strings.TrimSpace(e.Section) == "":
			return nil, fmt.Errorf("expectations %s: %s needs a reason and the spec section", path, e.ID)
		case seen[e.ID]:
			return nil, fmt.Errorf("expectations %s: %s is listed twice", path, e.ID)
		}
		seen[e.ID] = true
	}
	return f.Expected, nil
}

// Check returns an error naming every entry whose ID no spec carries: a
// typo or a renamed spec would otherwise silently stop counting.
func Check(entries []Entry, known func(id string) bool) error {
	var unknown []string
	for _, e := range entries {
		if !known(e.ID) {
			unknown = append(unknown, e.ID)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return fmt.Errorf("expectations name specs that do not exist: %s", strings.Join(unknown, ", "))
}

// Policy turns entries into the conformance policy for a run.
func Policy(entries []Entry, strict bool) conformance.Policy {
	p := conformance.Policy{Strict: strict, Expected: map[string]conformance.Expectation{}}
	for _, e := range entries {
		p.Expected[e.ID] = conformance.Expectation{Reason: e.Reason, Link: e.Link}
	}
	return p
}

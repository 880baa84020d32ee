// Package conformance declares the rules Herald checks — stable ID, RFC 2119 level, area, spec section — turns each into Ginkgo specs, and judges them against a homeserver's known failures (fixtures/expectations/<hs>.yaml).
package conformance

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Level is an RFC 2119 requirement level.
type Level string

// The levels a rule can have. A MAY rule is reported, never failed: the
// spec allows either behaviour, and Herald says which one the server chose.
const (
	MUST   Level = "MUST"
	SHOULD Level = "SHOULD"
	MAY    Level = "MAY"
)

// Label is the Ginkgo label of the level ("must", "should", "may").
func (l Level) Label() string { return strings.ToLower(string(l)) }

// Rule is one requirement of the Matrix spec as Herald checks it.
type Rule struct {
	// ID is stable across releases and free of labels, so CI history and
	// expectation files survive relabelling ("INV2-SIGN").
	ID string
	// Level is the requirement's RFC 2119 level.
	Level Level
	// Area is the suite area and its label: invite-v1, invite-v2, outbound,
	// fallback, errors, third-party, membership, invite-blocking,
	// federation-mock, smoke.
	Area string
	// Section names where the spec states the rule, e.g.
	// "server-server-api.md §Inviting to a room".
	Section string
	// Says is the rule in one line, phrased as what the server does
	// ("adds its signature to the invite and changes nothing else").
	Says string
}

// idPattern: upper-case words joined by dashes; the first word may start
// with digits ("3PID-JOIN") but holds a letter.
var idPattern = regexp.MustCompile(`^[0-9]*[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$`)

var (
	mu    sync.Mutex
	rules = map[string]Rule{}
	// specIDs are the IDs specs actually carry: a rule's ID, or ID/vN for
	// each room version of a table.
	specIDs = map[string]Rule{}
)

func register(r Rule) {
	if !idPattern.MatchString(r.ID) {
		panic(fmt.Sprintf("conformance: rule ID %q: want upper-case words joined by dashes", r.ID))
	}
	switch r.Level {
	case MUST, SHOULD, MAY:
	default:
		panic(fmt.Sprintf("conformance: rule %s has level %q", r.ID, r.Level))
	}
	if r.Area == "" || r.Section == "" || r.Says == "" {
		panic(fmt.Sprintf("conformance: rule %s needs an area, a section and what it says", r.ID))
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := rules[r.ID]; dup {
		panic(fmt.Sprintf("conformance: rule ID %s is defined twice", r.ID))
	}
	rules[r.ID] = r
}

func registerSpecID(id string, r Rule) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := specIDs[id]; dup {
		panic(fmt.Sprintf("conformance: spec ID %s is used twice", id))
	}
	specIDs[id] = r
}

// Rules lists every defined rule, by ID.
func Rules() []Rule {
	mu.Lock()
	defer mu.Unlock()
	out := make([]Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SpecIDs lists the ID of every spec (rule IDs and their per-version forms).
func SpecIDs() []string {
	mu.Lock()
	defer mu.Unlock()
	out := make([]string, 0, len(specIDs))
	for id := range specIDs {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Lookup finds the rule a spec ID belongs to.
func Lookup(specID string) (Rule, bool) {
	mu.Lock()
	defer mu.Unlock()
	r, ok := specIDs[specID]
	return r, ok
}

// NewRule is the rule id of area, at level, stated in section, saying
// what the server does (says).
func NewRule(id string, level Level, area, section, says string) Rule {
	return Rule{ID: id, Level: level, Area: area, Section: section, Says: says}
}

// Title is the spec text: the ID in brackets, then what the rule says.
func (r Rule) Title() string { return "[" + r.ID + "] " + r.Says }

// Requirement is the rule in one line, with its ID and level, as the
// spec's report entry names it.
func (r Rule) Requirement() string {
	return fmt.Sprintf("%s %s: the server %s (%s)", r.ID, r.Level, r.Says, r.Section)
}

// required is the sentence every failure of the rule's check ends with
// (see evaluate): what the spec requires, and where it says so.
func (r Rule) required() string {
	return fmt.Sprintf("The spec requires (%s): the server %s.", r.Section, r.Says)
}

var titleID = regexp.MustCompile(`\[([0-9]*[A-Z][A-Z0-9-]*(?:/v[0-9]+)?)\]`)

// IDOf extracts the spec ID from a spec's full text (container and leaf
// texts joined), or "" when it carries none.
func IDOf(text string) string {
	m := titleID.FindAllStringSubmatch(text, -1)
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1][1]
}

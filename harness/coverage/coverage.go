// Package coverage reads the inventory of normative statements (docs/statements.yaml), checks it against the rules, and writes docs/COVERAGE.md.
package coverage

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// Inventory is every normative statement Herald knows of, by document.
type Inventory struct {
	Documents []Document `json:"documents"`
}

// Document is one source of statements: a seed (the user's documents),
// a module the work adds to them, or a spec file a rule cites.
type Document struct {
	// ID prefixes the IDs of its statements ("000", "s2s").
	ID string `json:"id"`
	// Kind is seed, module or spec.
	Kind string `json:"kind"`
	// Title names the document for a reader.
	Title string `json:"title"`
	// Source is where its text is: a seed file or a spec path.
	Source     string      `json:"source"`
	Statements []Statement `json:"statements"`
}

// Statement is one normative statement and what checks it.
type Statement struct {
	// ID is stable: the document's ID, a dash, lower-case words.
	ID string `json:"id"`
	// Level is the statement's own: MUST, MUST NOT, SHOULD, SHOULD NOT or
	// MAY (a required field or a listed response is a MUST).
	Level string `json:"level"`
	// Quote is a few words of the document, verbatim.
	Quote string `json:"quote"`
	// Rules are the IDs of the rules that check it.
	Rules []string `json:"rules,omitempty"`
	// Partly says what the rules leave unchecked; empty when they check
	// all of it.
	Partly string `json:"partly,omitempty"`
	// Reason says why no rule checks it. "pending: …" names a rule that
	// is being written.
	Reason string `json:"reason,omitempty"`
	// Note is a remark that changes nothing in how far it is checked
	// (a rule's level that differs from the statement's, say).
	Note string `json:"note,omitempty"`
}

// The document kinds.
const (
	Seed   = "seed"
	Module = "module"
	Spec   = "spec"
)

// Pending starts a reason (or a partly) that names a rule being written.
const Pending = "pending:"

var levels = map[string]bool{"MUST": true, "MUST NOT": true, "SHOULD": true, "SHOULD NOT": true, "MAY": true}

var (
	docIDPattern       = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	statementIDPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)
)

// Load reads an inventory; a field it does not know is an error, so a
// misspelt key is not silently dropped.
func Load(path string) (Inventory, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Inventory{}, fmt.Errorf("reading the statements: %w", err)
	}
	var inv Inventory
	if err := yaml.UnmarshalStrict(raw, &inv); err != nil {
		return Inventory{}, fmt.Errorf("statements %s are not valid: %w", path, err)
	}
	return inv, nil
}

// Check lists what is wrong with inv against the rules that exist: a
// rule no statement cites, a statement naming a rule that does not exist,
// a statement with neither rule nor reason, and malformed entries.
func Check(inv Inventory, ruleIDs []string) []string {
	exists := map[string]bool{}
	for _, id := range ruleIDs {
		exists[id] = true
	}
	cited := map[string]bool{}
	seenDoc := map[string]bool{}
	seen := map[string]bool{}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, d := range inv.Documents {
		if !docIDPattern.MatchString(d.ID) {
			add("document %q: want an ID of lower-case words joined by dashes", d.ID)
		}
		if seenDoc[d.ID] {
			add("document %s is listed twice", d.ID)
		}
		seenDoc[d.ID] = true
		switch d.Kind {
		case Seed, Module, Spec:
		default:
			add("document %s has kind %q: want %s, %s or %s", d.ID, d.Kind, Seed, Module, Spec)
		}
		if d.Title == "" || d.Source == "" {
			add("document %s needs a title and a source", d.ID)
		}
		for _, s := range d.Statements {
			if !statementIDPattern.MatchString(s.ID) || !strings.HasPrefix(s.ID, d.ID+"-") {
				add("statement %q of document %s: want an ID %s-<lower-case words joined by dashes>", s.ID, d.ID, d.ID)
			}
			if seen[s.ID] {
				add("statement %s is listed twice", s.ID)
			}
			seen[s.ID] = true
			if !levels[s.Level] {
				add("statement %s has level %q: want MUST, MUST NOT, SHOULD, SHOULD NOT or MAY", s.ID, s.Level)
			}
			if strings.TrimSpace(s.Quote) == "" {
				add("statement %s quotes nothing", s.ID)
			}
			named := map[string]bool{}
			for _, r := range s.Rules {
				if !exists[r] {
					add("statement %s names rule %s, which does not exist", s.ID, r)
				}
				if named[r] {
					add("statement %s names rule %s twice", s.ID, r)
				}
				named[r] = true
				cited[r] = true
			}
			switch {
			case len(s.Rules) == 0 && s.Reason == "":
				add("statement %s has neither rule nor reason", s.ID)
			case len(s.Rules) > 0 && s.Reason != "":
				add("statement %s has rules and a reason: say what the rules leave out under partly", s.ID)
			case len(s.Rules) == 0 && s.Partly != "":
				add("statement %s is partly checked by no rule: give a reason instead", s.ID)
			}
		}
	}
	for _, id := range ruleIDs {
		if !cited[id] {
			add("rule %s cites no statement: name it under the statements it checks in docs/statements.yaml", id)
		}
	}
	return problems
}

// Status is how far the rules check a statement.
type Status int

// The statuses, from best to worst.
const (
	Checked Status = iota
	Partly
	WithReason
	Neither
)

// StatusOf classes a statement.
func StatusOf(s Statement) Status {
	switch {
	case len(s.Rules) > 0 && s.Partly == "":
		return Checked
	case len(s.Rules) > 0:
		return Partly
	case s.Reason != "":
		return WithReason
	}
	return Neither
}

// IsPending reports whether the statement waits for a rule being written:
// its reason, or what its rules leave out, starts with "pending:".
func IsPending(s Statement) bool {
	return strings.HasPrefix(s.Reason, Pending) || strings.HasPrefix(s.Partly, Pending)
}

// Package report turns a Ginkgo run into what homeserver developers read: outcome classes per spec, summaries, JUnit and the catalogue.
package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/conformance"
)

// Result is one spec's outcome.
type Result struct {
	ID, Text, Area, Level string
	// Rule is the rule ID (the ID without its room version).
	Rule string
	// Version is the room version of a table entry ("" for other specs).
	Version string
	// Class is a conformance outcome class, or "skipped".
	Class string
	// Detail is the failure message or the outcome's explanation.
	Detail string
	// Outcome is what the spec recorded (fingerprints, expectation, guards).
	Outcome conformance.Outcome
}

// Summary is a run's results by class.
type Summary struct {
	Results []Result
	Counts  map[string]int
	// Known counts the expected failures by severity.
	Known map[string]int
	// Setup holds failures of suite-level nodes (a homeserver that never
	// started), which fail the run without belonging to any spec.
	Setup   []string
	RunTime time.Duration
}

// Skipped is the class of specs that did not run.
const Skipped = "skipped"

// Summarize classifies every spec of a report.
func Summarize(r types.Report) Summary {
	s := Summary{Counts: map[string]int{}, Known: map[string]int{}, RunTime: r.RunTime}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			if sr.State.Is(types.SpecStateFailureStates) {
				s.Setup = append(s.Setup, fmt.Sprintf("%s: %s", sr.LeafNodeType, sr.Failure.Message))
			}
			continue
		}
		res := resultOf(sr)
		s.Counts[res.Class]++
		if res.Class == conformance.ExpectedFail {
			s.Known[res.Outcome.Severity]++
		}
		s.Results = append(s.Results, res)
	}
	sort.SliceStable(s.Results, func(i, j int) bool {
		return rank(s.Results[i].Class) < rank(s.Results[j].Class)
	})
	return s
}

func resultOf(sr types.SpecReport) Result {
	res := Result{Text: sr.FullText(), ID: conformance.IDOf(sr.FullText())}
	res.Rule, _, _ = strings.Cut(res.ID, "/")
	res.Area, res.Level, res.Version = FromLabels(sr.Labels())
	o, recorded := conformance.ReadOutcome(sr.ReportEntries)
	res.Outcome = o
	switch {
	case sr.State.Is(types.SpecStateFailureStates):
		res.Class = conformance.Fail
		if recorded && (o.Class == conformance.UnexpectedPass || o.Class == conformance.Changed) {
			res.Class = o.Class
		}
		res.Detail = sr.Failure.Message
	case sr.State == types.SpecStatePassed && recorded:
		res.Class, res.Detail = o.Class, o.Detail
	case sr.State == types.SpecStatePassed:
		res.Class = conformance.Pass
	default:
		res.Class = Skipped
	}
	return res
}

var order = []string{conformance.Fail, conformance.Changed, conformance.UnexpectedPass, conformance.ExpectedFail, conformance.NotDone, conformance.Pass, Skipped}

func rank(class string) int {
	for i, c := range order {
		if c == class {
			return i
		}
	}
	return len(order)
}

// Failed counts the outcomes that fail the run: in JUnit, the failures.
func (s Summary) Failed() int {
	return s.Counts[conformance.Fail] + s.Counts[conformance.Changed] + s.Counts[conformance.UnexpectedPass] + len(s.Setup)
}

// SkippedInJUnit counts what JUnit shows as skipped: expected failures,
// MAY rules not done and specs that did not run.
func (s Summary) SkippedInJUnit() int {
	return s.Counts[conformance.ExpectedFail] + s.Counts[conformance.NotDone] + s.Counts[Skipped]
}

// Tests counts JUnit's test cases: every spec and each failed setup node.
func (s Summary) Tests() int { return len(s.Results) + len(s.Setup) }

// KnownLine is what a green run must not hide: the known failures of MUST
// level and of security ones first.
func (s Summary) KnownLine() string {
	return fmt.Sprintf("known failures: MUST %d, security %d (%d in all, SHOULD %d)",
		s.Known[conformance.Must], s.Known[conformance.Security], s.Counts[conformance.ExpectedFail], s.Known[conformance.Should])
}

// Line is the one-line verdict: the known MUST and security failures,
// then passed, failed and skipped as a JUnit reader counts them, then the
// difference against the expectations.
func (s Summary) Line() string {
	return fmt.Sprintf("%s; %d passed, %d failed, %d skipped (%d expected failures, %d MAY not done, %d not run); against the expectations: %d new failures, %d fixed, %d changed; in %s",
		s.KnownLine(), s.Counts[conformance.Pass], s.Failed(), s.SkippedInJUnit(),
		s.Counts[conformance.ExpectedFail], s.Counts[conformance.NotDone], s.Counts[Skipped],
		s.Counts[conformance.Fail]+len(s.Setup), s.Counts[conformance.UnexpectedPass], s.Counts[conformance.Changed],
		s.RunTime.Round(10*time.Millisecond))
}

// Group is the results of one rule in one class: one line of the summary,
// naming its room versions.
type Group struct {
	Rule, Class, Level string
	Versions           []string
	Results            []Result
}

// Groups gathers the results of the given classes by rule, in the
// summary's order (classes as listed, then rule ID).
func (s Summary) Groups(classes ...string) []Group {
	index := map[[2]string]int{}
	var groups []Group
	for _, r := range s.Results {
		if !contains(classes, r.Class) {
			continue
		}
		k := [2]string{r.Class, r.Rule}
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, Group{Rule: r.Rule, Class: r.Class, Level: r.Level})
		}
		groups[i].Results = append(groups[i].Results, r)
		if r.Version != "" {
			groups[i].Versions = append(groups[i].Versions, r.Version)
		}
	}
	for i := range groups {
		g := &groups[i]
		sort.Slice(g.Versions, func(a, b int) bool { return numeric(g.Versions[a]) < numeric(g.Versions[b]) })
		sort.SliceStable(g.Results, func(a, b int) bool { return numeric(g.Results[a].Version) < numeric(g.Results[b].Version) })
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if a, b := indexOf(classes, groups[i].Class), indexOf(classes, groups[j].Class); a != b {
			return a < b
		}
		return groups[i].Rule < groups[j].Rule
	})
	return groups
}

// VersionRange names room versions compactly: "v1–v12", "v1, v2, v4–v6".
func VersionRange(versions []string) string {
	var parts []string
	for i := 0; i < len(versions); {
		j := i
		for j+1 < len(versions) && numeric(versions[j+1]) == numeric(versions[j])+1 {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, "v"+versions[i])
		case j == i+1:
			parts = append(parts, "v"+versions[i], "v"+versions[j])
		default:
			parts = append(parts, "v"+versions[i]+"–v"+versions[j])
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// Line is the group's summary line: rule, versions, level and what
// happened (the same for every version, or each distinct one once).
func (g Group) Line() string {
	head := "`" + g.Rule + "`"
	if len(g.Versions) > 0 {
		head += " " + VersionRange(g.Versions)
	}
	level := g.Level
	if sev := g.Results[0].Outcome.Severity; sev != "" {
		level += ", " + sev
	}
	return fmt.Sprintf("**%s** %s (%s): %s", g.Class, head, level, g.what())
}

func (g Group) what() string {
	first := g.Results[0]
	switch g.Class {
	case conformance.ExpectedFail:
		reason := func(r Result) string { return r.Outcome.Reason }
		if g.same(reason) {
			return first.Outcome.Reason + " — observed: " + g.distinct(func(r Result) string { return r.Outcome.Observed })
		}
		return g.distinct(func(r Result) string { return r.Outcome.Reason + " — observed: " + r.Outcome.Observed })
	case conformance.NotDone:
		return "MAY not done — observed: " + g.distinct(func(r Result) string { return r.Outcome.Observed })
	case conformance.Changed:
		return "fails differently from its expectation: " + g.distinct(func(r Result) string {
			return fmt.Sprintf("recorded %q, observed %q", r.Outcome.Recorded, r.Outcome.Observed)
		})
	case conformance.UnexpectedPass:
		return "passes now: remove the stale expectation (make expectations)"
	}
	return g.distinct(func(r Result) string {
		switch {
		case len(r.Outcome.Guards) > 0:
			names := make([]string, len(r.Outcome.Guards))
			for i, gd := range r.Outcome.Guards {
				names[i], _, _ = strings.Cut(gd, ":")
			}
			return "guard failed: " + strings.Join(names, ", ") + " (the rule's own check: " + r.Outcome.Rule + ")"
		case r.Outcome.Observed != "":
			return "observed: " + r.Outcome.Observed
		}
		return oneLine(firstLines(r.Detail))
	})
}

// same reports whether f gives every result the same value.
func (g Group) same(f func(Result) string) bool {
	for _, r := range g.Results {
		if f(r) != f(g.Results[0]) {
			return false
		}
	}
	return true
}

// distinct joins the distinct values of f over the results, naming the
// versions of each when they differ.
func (g Group) distinct(f func(Result) string) string {
	var values []string
	versions := map[string][]string{}
	for _, r := range g.Results {
		v := f(r)
		if _, ok := versions[v]; !ok {
			values = append(values, v)
		}
		versions[v] = append(versions[v], r.Version)
	}
	if len(values) == 1 {
		return values[0]
	}
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = VersionRange(versions[v]) + ": " + v
	}
	return strings.Join(parts, "; ")
}

// Markdown renders the summary: the known MUST and security failures, the
// difference against the expectations, counts per area and level, then one
// line per rule that needs attention, unexpected ones first.
func (s Summary) Markdown(title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Herald against %s\n\n**%s**\n\n%s\n\n", title, capitalize(s.KnownLine()), s.Line())
	for _, f := range s.Setup {
		fmt.Fprintf(&b, "**Setup failed:** %s\n\n", oneLine(f))
	}
	b.WriteString("## Against the expectations\n\n")
	fmt.Fprintf(&b, "New failures: %d · fixed: %d · changed: %d\n\n",
		s.Counts[conformance.Fail]+len(s.Setup), s.Counts[conformance.UnexpectedPass], s.Counts[conformance.Changed])
	for _, g := range s.Groups(conformance.Fail, conformance.Changed, conformance.UnexpectedPass) {
		fmt.Fprintf(&b, "- %s\n", g.Line())
	}
	b.WriteString("\n## Counts\n\n")
	type key struct{ area, level string }
	counts := map[key]map[string]int{}
	for _, r := range s.Results {
		k := key{r.Area, r.Level}
		if counts[k] == nil {
			counts[k] = map[string]int{}
		}
		counts[k][r.Class]++
	}
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].area != keys[j].area {
			return keys[i].area < keys[j].area
		}
		return keys[i].level < keys[j].level
	})
	b.WriteString("| area | level | " + strings.Join(order, " | ") + " |\n|---|---|" + strings.Repeat("---|", len(order)) + "\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "| %s | %s |", k.area, k.level)
		for _, c := range order {
			fmt.Fprintf(&b, " %d |", counts[k][c])
		}
		b.WriteString("\n")
	}
	b.WriteString("\n## Known failures and MAY rules not done\n\n")
	for _, g := range s.Groups(conformance.ExpectedFail, conformance.NotDone) {
		fmt.Fprintf(&b, "- %s\n", g.Line())
	}
	return b.String()
}

func contains(list []string, s string) bool { return indexOf(list, s) >= 0 }

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// firstLines keeps a failure message up to the exchange it quotes.
func firstLines(s string) string {
	if i := strings.Index(s, "\nthe exchange:"); i >= 0 {
		s = s[:i]
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// FromLabels reads a spec's area, level and room version from its labels,
// so a report read back from JSON classifies the same as a live one.
func FromLabels(labels []string) (area, level, version string) {
	for _, l := range labels {
		switch {
		case l == "must" || l == "should" || l == "may":
			level = strings.ToUpper(l)
		case strings.HasPrefix(l, "room-v"):
			version = strings.TrimPrefix(l, "room-v")
		case area == "":
			area = l
		}
	}
	return area, level, version
}

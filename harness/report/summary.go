// Package report turns a Ginkgo run into what homeserver developers read: outcome classes per spec and summaries.
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
	// Version is the room version of a table entry ("" for other specs).
	Version string
	// Class is a conformance outcome class, or "skipped".
	Class string
	// Detail is the failure message or the outcome's explanation.
	Detail string
}

// Summary is a run's results by class.
type Summary struct {
	Results []Result
	Counts  map[string]int
	// Setup holds failures of suite-level nodes (a homeserver that never
	// started), which fail the run without belonging to any spec.
	Setup   []string
	RunTime time.Duration
}

// Skipped is the class of specs that did not run.
const Skipped = "skipped"

// Summarize classifies every spec of a report.
func Summarize(r types.Report) Summary {
	s := Summary{Counts: map[string]int{}, RunTime: r.RunTime}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			if sr.State.Is(types.SpecStateFailureStates) {
				s.Setup = append(s.Setup, fmt.Sprintf("%s: %s", sr.LeafNodeType, sr.Failure.Message))
			}
			continue
		}
		res := Result{Text: sr.FullText(), ID: conformance.IDOf(sr.FullText()), Class: classOf(sr)}
		res.Area, res.Level, res.Version = FromLabels(sr.Labels())
		if sr.State.Is(types.SpecStateFailureStates) {
			res.Detail = sr.Failure.Message
		} else if e, ok := entry(sr, conformance.EntryOutcome); ok {
			_, detail, _ := strings.Cut(e, ": ") // the class is already in Class
			res.Detail = detail
		}
		s.Counts[res.Class]++
		s.Results = append(s.Results, res)
	}
	sort.SliceStable(s.Results, func(i, j int) bool {
		return rank(s.Results[i].Class) < rank(s.Results[j].Class)
	})
	return s
}

func classOf(sr types.SpecReport) string {
	switch {
	case sr.State.Is(types.SpecStateFailureStates):
		if e, ok := entry(sr, conformance.EntryOutcome); ok && strings.HasPrefix(e, conformance.UnexpectedPass) {
			return conformance.UnexpectedPass
		}
		return conformance.Fail
	case sr.State == types.SpecStatePassed:
		if e, ok := entry(sr, conformance.EntryOutcome); ok {
			class, _, _ := strings.Cut(e, ":")
			return class
		}
		return conformance.Pass
	default:
		return Skipped
	}
}

func entry(sr types.SpecReport, name string) (string, bool) {
	for _, e := range sr.ReportEntries {
		if e.Name == name {
			return e.StringRepresentation(), true
		}
	}
	return "", false
}

var order = []string{conformance.Fail, conformance.UnexpectedPass, conformance.ExpectedFail, conformance.NotDone, conformance.Pass, Skipped}

func rank(class string) int {
	for i, c := range order {
		if c == class {
			return i
		}
	}
	return len(order)
}

// Failed counts the outcomes that fail the run.
func (s Summary) Failed() int {
	return s.Counts[conformance.Fail] + s.Counts[conformance.UnexpectedPass] + len(s.Setup)
}

// Line is the one-line verdict: "N passed, N failed" first (failed counts
// what fails the run), then the outcomes that do not.
func (s Summary) Line() string {
	return fmt.Sprintf("%d passed, %d failed, %d expected failures, %d MAY not done (%d unexpected passes, %d skipped) in %s",
		s.Counts[conformance.Pass], s.Failed(), s.Counts[conformance.ExpectedFail], s.Counts[conformance.NotDone],
		s.Counts[conformance.UnexpectedPass], s.Counts[Skipped], s.RunTime.Round(10*time.Millisecond))
}

// Markdown renders the summary: the verdict, counts per area and level,
// then the results that need attention, unexpected ones first.
func (s Summary) Markdown(title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Herald against %s\n\n%s\n\n", title, s.Line())
	for _, f := range s.Setup {
		fmt.Fprintf(&b, "**Setup failed:** %s\n\n", oneLine(f))
	}
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
	b.WriteString("\n")
	for _, r := range s.Results {
		if r.Class == conformance.Pass || r.Class == Skipped {
			continue
		}
		fmt.Fprintf(&b, "- **%s** `%s` %s — %s\n", r.Class, r.ID, r.Level, oneLine(r.Detail))
	}
	return b.String()
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

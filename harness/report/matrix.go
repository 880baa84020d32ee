package report

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/conformance"
)

// Run is one homeserver's results, read back from reports/<hs>/.
type Run struct {
	HS      string
	Summary Summary
}

// LoadRuns reads every reports/<hs>/report.json under dir, sorted by name.
func LoadRuns(dir string) ([]Run, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "report.json"))
	if err != nil {
		return nil, err
	}
	var runs []Run
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var reports []types.Report
		if err := json.Unmarshal(raw, &reports); err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		if len(reports) == 0 {
			continue
		}
		runs = append(runs, Run{HS: filepath.Base(filepath.Dir(p)), Summary: Summarize(reports[0])})
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("no reports/<hs>/report.json under %s: run make conformance first", dir)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].HS < runs[j].HS })
	return runs, nil
}

// cell is one homeserver's results for one area and room version.
type cell struct {
	results []Result
	bad     int // fail + unexpected-pass
	known   int // expected-fail + not-done
	passed  int
}

func (c *cell) add(r Result) {
	c.results = append(c.results, r)
	switch r.Class {
	case conformance.Fail, conformance.UnexpectedPass, conformance.Changed:
		c.bad++
	case conformance.ExpectedFail, conformance.NotDone:
		c.known++
	case conformance.Pass:
		c.passed++
	}
}

func (c *cell) ran() int { return c.bad + c.known + c.passed }

func (c *cell) status() string {
	switch {
	case c == nil || c.ran() == 0:
		return "none"
	case c.bad > 0:
		return "bad"
	case c.known > 0:
		return "known"
	default:
		return "good"
	}
}

func (c *cell) label() string {
	if c == nil || c.ran() == 0 {
		return "–"
	}
	s := fmt.Sprintf("%d/%d", c.passed, c.ran())
	if c.known > 0 {
		s += fmt.Sprintf(" (%d known)", c.known)
	}
	return s
}

// matrix indexes results as area → version → homeserver.
type matrix struct {
	hs       []string
	areas    []string
	versions map[string][]string
	cells    map[string]map[string]map[string]*cell
}

func build(runs []Run) matrix {
	m := matrix{versions: map[string][]string{}, cells: map[string]map[string]map[string]*cell{}}
	seenV := map[string]map[string]bool{}
	for _, run := range runs {
		m.hs = append(m.hs, run.HS)
		for _, r := range run.Summary.Results {
			if r.Class == Skipped || r.Area == "" {
				continue
			}
			v := r.Version
			if v == "" {
				v = "any"
			}
			if m.cells[r.Area] == nil {
				m.cells[r.Area] = map[string]map[string]*cell{}
				seenV[r.Area] = map[string]bool{}
				m.areas = append(m.areas, r.Area)
			}
			if m.cells[r.Area][v] == nil {
				m.cells[r.Area][v] = map[string]*cell{}
			}
			if !seenV[r.Area][v] {
				seenV[r.Area][v] = true
				m.versions[r.Area] = append(m.versions[r.Area], v)
			}
			c := m.cells[r.Area][v][run.HS]
			if c == nil {
				c = &cell{}
				m.cells[r.Area][v][run.HS] = c
			}
			c.add(r)
		}
	}
	sort.Strings(m.areas)
	for _, vs := range m.versions {
		sort.Slice(vs, func(i, j int) bool { return numeric(vs[i]) < numeric(vs[j]) })
	}
	return m
}

func anchor(hs, area, version string) string { return "r-" + hs + "-" + area + "-" + version }

// MatrixMarkdown renders homeserver × area × room version as Markdown.
func MatrixMarkdown(runs []Run) string {
	m := build(runs)
	var b strings.Builder
	b.WriteString("# Herald conformance matrix\n\n")
	for _, run := range runs {
		fmt.Fprintf(&b, "- **%s**: **%s**; %s\n", run.HS, run.Summary.KnownLine(), run.Summary.Line())
	}
	b.WriteString("\n## Against the expectations\n\n")
	for _, run := range runs {
		s := run.Summary
		fmt.Fprintf(&b, "- **%s**: new failures %d · fixed %d · changed %d\n", run.HS, s.Counts[conformance.Fail]+len(s.Setup), s.Counts[conformance.UnexpectedPass], s.Counts[conformance.Changed])
		for _, g := range s.Groups(conformance.Fail, conformance.Changed, conformance.UnexpectedPass) {
			fmt.Fprintf(&b, "  - %s\n", g.Line())
		}
	}
	for _, area := range m.areas {
		fmt.Fprintf(&b, "\n## %s\n\n| room version | %s |\n|---|%s\n", area, strings.Join(m.hs, " | "), strings.Repeat("---|", len(m.hs)))
		for _, v := range m.versions[area] {
			fmt.Fprintf(&b, "| %s |", v)
			for _, hs := range m.hs {
				fmt.Fprintf(&b, " %s |", m.cells[area][v][hs].label())
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n## Results needing attention\n")
	for _, run := range runs {
		for _, r := range run.Summary.Results {
			if r.Class == conformance.Pass || r.Class == Skipped {
				continue
			}
			fmt.Fprintf(&b, "- %s **%s** `%s` %s — %s\n", run.HS, r.Class, r.ID, r.Level, oneLine(firstLines(r.Detail)))
		}
	}
	return b.String()
}

// MatrixHTML renders the matrix as one self-contained page (no external
// assets): a table per area, a cell per room version and homeserver, each
// cell linking to its specs with their outcome and failure reason.
func MatrixHTML(runs []Run) string {
	m := build(runs)
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Herald conformance matrix</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.3em .7em;text-align:center}
th{background:#f4f4f4}td a{color:inherit;text-decoration:none;display:block}
.good{background:#d8f5d8}.known{background:#fff1c2}.bad{background:#f9c9c9;font-weight:bold}.none{color:#999}
.detail{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;text-align:left}
li{margin:.2em 0}.cls{font-weight:bold}
</style></head><body><h1>Herald conformance matrix</h1><ul>`)
	for _, run := range runs {
		fmt.Fprintf(&b, "<li><b>%s</b>: <b>%s</b>; %s</li>", e(run.HS), e(run.Summary.KnownLine()), e(run.Summary.Line()))
	}
	b.WriteString("</ul><h2>Against the expectations</h2><ul>")
	for _, run := range runs {
		s := run.Summary
		fmt.Fprintf(&b, "<li><b>%s</b>: new failures %d · fixed %d · changed %d<ul>", e(run.HS), s.Counts[conformance.Fail]+len(s.Setup), s.Counts[conformance.UnexpectedPass], s.Counts[conformance.Changed])
		for _, g := range s.Groups(conformance.Fail, conformance.Changed, conformance.UnexpectedPass) {
			fmt.Fprintf(&b, `<li class="bad">%s</li>`, e(g.Line()))
		}
		b.WriteString("</ul></li>")
	}
	b.WriteString("</ul>")
	for _, area := range m.areas {
		fmt.Fprintf(&b, "<h2>%s</h2><table><tr><th>room version</th>", e(area))
		for _, hs := range m.hs {
			fmt.Fprintf(&b, "<th>%s</th>", e(hs))
		}
		b.WriteString("</tr>")
		for _, v := range m.versions[area] {
			fmt.Fprintf(&b, "<tr><th>%s</th>", e(v))
			for _, hs := range m.hs {
				c := m.cells[area][v][hs]
				fmt.Fprintf(&b, `<td class="%s"><a href="#%s">%s</a></td>`, c.status(), anchor(hs, area, v), e(c.label()))
			}
			b.WriteString("</tr>")
		}
		b.WriteString("</table>")
	}
	b.WriteString("<h2>Specs by cell</h2>")
	for _, area := range m.areas {
		for _, v := range m.versions[area] {
			for _, hs := range m.hs {
				c := m.cells[area][v][hs]
				if c == nil {
					continue
				}
				fmt.Fprintf(&b, `<h3 id="%s">%s · %s · room version %s</h3><ul>`, anchor(hs, area, v), e(hs), e(area), e(v))
				for _, r := range c.results {
					fmt.Fprintf(&b, `<li><span class="cls %s">%s</span> <code>%s</code> %s`, classCSS(r.Class), e(r.Class), e(r.ID), e(r.Level))
					if r.Detail != "" && r.Class != conformance.Pass {
						fmt.Fprintf(&b, `<div class="detail">%s</div>`, e(r.Detail))
					}
					b.WriteString("</li>")
				}
				b.WriteString("</ul>")
			}
		}
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

func classCSS(class string) string {
	switch class {
	case conformance.Fail, conformance.UnexpectedPass, conformance.Changed:
		return "bad"
	case conformance.ExpectedFail, conformance.NotDone:
		return "known"
	}
	return "good"
}

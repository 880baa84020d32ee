package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"sigs.k8s.io/yaml"

	"herald/harness/config"
	"herald/harness/conformance"
	"herald/harness/report"
)

// mutantsDir holds one file of mutants per homeserver: fixtures/mutants/<hs>.yaml.
const mutantsDir = "fixtures/mutants"

// mutantSet is a file of mutants: changes to a homeserver's installed code,
// each breaking one rule, and the specs that must catch it.
type mutantSet struct {
	// Homeserver is the run profile's name of the server they change.
	Homeserver string `json:"homeserver"`
	// Package, for a server written in Python, is the package whose files
	// the mutants change, found in the image by Python itself (so no path
	// names a Python version).
	Package string `json:"package,omitempty"`
	// Go, for a server compiled from Go, says how a mutant is compiled;
	// the mutants change files of its module.
	Go *goSource `json:"go,omitempty"`
	// Mutants are built and judged in this order.
	Mutants []mutant `json:"mutants"`
}

// mutant changes one rule of the server: exact text, found exactly once in
// one file of the package or module, replaced.
type mutant struct {
	Name string `json:"name"`
	// Rule is the rule it breaks: the spec's section and its words.
	Rule string `json:"rule"`
	// Change says what the server does instead.
	Change string `json:"change"`
	// Module, for a Go server, is the module whose file it changes when
	// that is not the set's (a library the server is built with).
	Module string `json:"module,omitempty"`
	// File is the file it changes, relative to the package's or module's
	// directory.
	File    string `json:"file"`
	Find    string `json:"find"`
	Replace string `json:"replace"`
	// Labels is the Ginkgo label filter of its run: the specs that should
	// catch it and little else.
	Labels string `json:"labels"`
	// CaughtBy names the specs (an ID such as INV2-SIGNED/v10) or rules (an
	// ID such as INV2-SIGNED: any of its room versions) that must newly fail.
	CaughtBy []string `json:"caught_by"`
}

var (
	mutantName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	specID     = regexp.MustCompile(`^[0-9A-Z][0-9A-Z-]*(/v[0-9]+)?$`)
	pyPackage  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
)

// loadMutants reads a file of mutants and checks every entry is complete.
func loadMutants(file string) (mutantSet, error) {
	var set mutantSet
	raw, err := os.ReadFile(file)
	if err != nil {
		return set, err
	}
	if err := yaml.UnmarshalStrict(raw, &set); err != nil {
		return set, fmt.Errorf("%s is not valid: %w", file, err)
	}
	if err := set.check(); err != nil {
		return set, fmt.Errorf("%s: %w", file, err)
	}
	return set, nil
}

func (s mutantSet) check() error {
	if s.Homeserver == "" {
		return fmt.Errorf("no homeserver")
	}
	switch {
	case s.Package != "" && s.Go != nil:
		return fmt.Errorf("both a Python package and a Go module: a server is one or the other")
	case s.Go != nil:
		if err := s.Go.check(); err != nil {
			return err
		}
	case !pyPackage.MatchString(s.Package):
		return fmt.Errorf("package %q is not a Python package name (or give go: for a server compiled from Go)", s.Package)
	}
	if len(s.Mutants) == 0 {
		return fmt.Errorf("no mutants")
	}
	seen := map[string]bool{}
	for i, m := range s.Mutants {
		if !mutantName.MatchString(m.Name) {
			return fmt.Errorf("mutant %d: name %q: want lower-case letters, digits and dashes", i+1, m.Name)
		}
		if strings.HasPrefix(m.Name, "stage-") {
			return fmt.Errorf("mutant %s: names starting with stage- are for the images of Dockerfile stages", m.Name)
		}
		if seen[m.Name] {
			return fmt.Errorf("mutant %s is listed twice", m.Name)
		}
		seen[m.Name] = true
		if err := m.check(); err != nil {
			return fmt.Errorf("mutant %s: %w", m.Name, err)
		}
		if m.Module != "" && (s.Go == nil || !goImportPath.MatchString(m.Module)) {
			return fmt.Errorf("mutant %s: module %q: only a Go server's mutant names a module, a Go module path", m.Name, m.Module)
		}
	}
	return nil
}

func (m mutant) check() error {
	switch {
	case strings.TrimSpace(m.Rule) == "":
		return fmt.Errorf("no rule: name the section of the spec it breaks")
	case strings.TrimSpace(m.Change) == "":
		return fmt.Errorf("no change: say what the server does instead")
	case m.File == "" || path.IsAbs(m.File) || path.Clean(m.File) != m.File || strings.HasPrefix(m.File, "../"):
		return fmt.Errorf("file %q: want a clean path inside the package", m.File)
	case m.Find == "":
		return fmt.Errorf("no find text")
	case m.Find == m.Replace:
		return fmt.Errorf("its replacement is the find text: it changes nothing")
	case strings.TrimSpace(m.Labels) == "":
		return fmt.Errorf("no labels: give a label filter that keeps its run short")
	case len(m.CaughtBy) == 0:
		return fmt.Errorf("no caught_by: name the specs that must catch it")
	}
	if _, err := types.ParseLabelFilter(m.Labels); err != nil {
		return fmt.Errorf("labels %q: %w", m.Labels, err)
	}
	for _, id := range m.CaughtBy {
		if !specID.MatchString(id) {
			return fmt.Errorf("caught_by %q is not a spec or rule ID", id)
		}
	}
	return nil
}

// Verdicts of a mutant's run.
const (
	caught   = "caught"   // every spec it names newly failed
	survived = "survived" // some spec it names did not newly fail
	broken   = "broken"   // the run failed to set up: the mutant tests nothing
)

// judgement is how a mutant's run went against the server's expectations.
type judgement struct {
	Verdict string
	// Newly are the rules that newly failed (class fail) or failed
	// differently from their expectation (class changed).
	Newly []report.Group
	// Missing are the IDs the mutant names that did not newly fail.
	Missing []string
	// NotRun are those of them no spec of the run checked (the label filter
	// left them out), and SkippedBy those whose specs skipped themselves,
	// with the reason one of them gave.
	NotRun    []string
	SkippedBy map[string]string
	// Setup holds the run's failed setup nodes (a server that never started).
	Setup []string
}

// judge classes a mutant's run: caught when every spec or rule it names
// newly failed or changed how it fails.
func judge(m mutant, r types.Report) judgement {
	s := report.Summarize(r)
	j := judgement{Newly: s.Groups(conformance.Fail, conformance.Changed), Setup: s.Setup, SkippedBy: map[string]string{}}
	// A spec the label filter left out is skipped without a word; one that
	// skipped itself says why.
	skipped := map[string]string{}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType == types.NodeTypeIt && sr.State == types.SpecStateSkipped && sr.Failure.Message != "" {
			skipped[conformance.IDOf(sr.FullText())] = sr.Failure.Message
		}
	}
	for _, id := range m.CaughtBy {
		ran, failed, why := false, false, ""
		for _, res := range s.Results {
			if res.ID != id && res.Rule != id {
				continue
			}
			ran = ran || res.Class != report.Skipped
			failed = failed || res.Class == conformance.Fail || res.Class == conformance.Changed
			if w, ok := skipped[res.ID]; ok && why == "" {
				why = w
			}
		}
		if failed {
			continue
		}
		j.Missing = append(j.Missing, id)
		switch {
		case ran:
		case why != "":
			j.SkippedBy[id] = why
		default:
			j.NotRun = append(j.NotRun, id)
		}
	}
	switch {
	case len(j.Setup) > 0:
		j.Verdict = broken
	case len(j.Missing) > 0:
		j.Verdict = survived
	default:
		j.Verdict = caught
	}
	return j
}

// caughtBy names what newly failed among the rules the mutant names, one
// rule at a time with its room versions ("INV2-SIGNED v1, v10; changed:
// INV2-UNKNOWN-VERSION-CODE"), and how many other rules newly failed.
func (j judgement) caughtBy(m mutant) string {
	named, others := j.split(m)
	parts := groupNames(named)
	if len(others) > 0 {
		parts = append(parts, fmt.Sprintf("+%d other rule(s)", len(others)))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "; ")
}

// split parts the newly failed rules into those the mutant names and the rest.
func (j judgement) split(m mutant) (named, others []report.Group) {
	for _, g := range j.Newly {
		if slices.ContainsFunc(m.CaughtBy, func(id string) bool { r, _, _ := strings.Cut(id, "/"); return r == g.Rule }) {
			named = append(named, g)
		} else {
			others = append(others, g)
		}
	}
	return named, others
}

func groupNames(groups []report.Group) []string {
	var parts []string
	for _, g := range groups {
		p := g.Rule
		if len(g.Versions) > 0 {
			p += " " + report.VersionRange(g.Versions)
		}
		if g.Class == conformance.Changed {
			p = "changed: " + p
		}
		parts = append(parts, p)
	}
	return parts
}

// why explains a verdict other than caught in one line.
func (j judgement) why() string {
	switch j.Verdict {
	case broken:
		return "the run failed to set up: " + oneLine(j.Setup[0])
	case survived:
		why := "did not newly fail: " + strings.Join(j.Missing, ", ")
		if len(j.NotRun) > 0 {
			why += " (not run at all: " + strings.Join(j.NotRun, ", ") + "; check the mutant's labels)"
		}
		for _, id := range j.Missing {
			if reason, ok := j.SkippedBy[id]; ok {
				why += " (" + id + " skipped itself: " + oneLine(reason) + ")"
			}
		}
		return why
	}
	return ""
}

func oneLine(s string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return first
}

// mutantResult is one row of the table.
type mutantResult struct {
	m          mutant
	j          judgement
	build, run time.Duration
	kept       string // where the run's reports were kept (a mutant not caught, or --keep)
}

// mutants builds each mutant of a homeserver's image, runs the specs of its
// label filter against it with the server's expectations, and fails unless
// every mutant is caught. Each mutant image is removed after its run.
func mutants(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("mutants", flag.ContinueOnError)
	only := fs.String("only", "", "comma-separated names of the mutants to run (default: all)")
	keep := fs.Bool("keep", false, "keep every mutant's reports, not only those of mutants not caught")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	hs := cfg.HS
	if fs.NArg() > 1 {
		return fmt.Errorf("mutants: one homeserver at a time")
	} else if fs.NArg() == 1 {
		hs = fs.Arg(0)
	}
	c, err := cfg.For(hs)
	if err != nil {
		return err
	}
	set, err := loadMutants(filepath.Join(cfg.Dir, mutantsDir, hs+".yaml"))
	if err != nil {
		return err
	}
	if set.Homeserver != hs {
		return fmt.Errorf("%s/%s.yaml names homeserver %q", mutantsDir, hs, set.Homeserver)
	}
	chosen, err := choose(set.Mutants, *only)
	if err != nil {
		return err
	}

	r, _, err := prepare(ctx, []string{hs}, true)
	if err != nil {
		return err
	}
	defer r.close()
	// The image the mutants start FROM is used as it is: it is what they
	// change, so it is built only when missing, never rebuilt.
	base := c.Homeserver.Image
	if ok, err := r.engine.ImageExists(ctx, base); err != nil {
		return err
	} else if !ok {
		if _, err := r.homeserver(ctx, hs); err != nil {
			return err
		}
	}
	mb, remove, err := r.prepareMutants(ctx, c, set, base)
	defer remove()
	if err != nil {
		return err
	}

	var results []mutantResult
	for _, m := range chosen {
		res, err := r.runMutant(ctx, c, mb, m, *keep)
		if err != nil {
			return fmt.Errorf("mutant %s: %w", m.Name, err)
		}
		line := fmt.Sprintf("mutants: %s %s (build %s, run %s)", m.Name, res.j.Verdict,
			res.build.Round(100*time.Millisecond), res.run.Round(time.Second))
		if why := res.j.why(); why != "" {
			line += ": " + why
		}
		if res.kept != "" {
			line += "; its reports are in " + res.kept
		}
		fmt.Fprintln(os.Stderr, line)
		results = append(results, res)
	}
	printMutants(os.Stdout, results)
	escaped := 0
	for _, res := range results {
		if res.j.Verdict != caught {
			escaped++
		}
	}
	if escaped > 0 {
		return fmt.Errorf("%d of %d mutant(s) of %s not caught", escaped, len(results), hs)
	}
	return nil
}

// choose keeps the mutants named in only (comma-separated), in the file's
// order; all of them when only is empty.
func choose(all []mutant, only string) ([]mutant, error) {
	if only == "" {
		return all, nil
	}
	names := strings.Split(only, ",")
	var chosen []mutant
	for _, m := range all {
		if slices.Contains(names, m.Name) {
			chosen = append(chosen, m)
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(all, func(m mutant) bool { return m.Name == n }) {
			return nil, fmt.Errorf("no mutant named %q", n)
		}
	}
	return chosen, nil
}

// runMutant builds one mutant's image, runs its specs against it and
// removes the image.
func (r *runner) runMutant(ctx context.Context, c *config.Config, b mutantBase, m mutant, keep bool) (mutantResult, error) {
	res := mutantResult{m: m}
	ref := mutantImage(b.image, m.Name)
	fmt.Fprintf(os.Stderr, "mutants: building %s (%s: %s)…\n", ref, m.File, m.Change)
	defer r.removeImage(ctx, ref)
	start := time.Now()
	if err := r.buildMutant(ctx, b, ref, m); err != nil {
		return res, err
	}
	res.build = time.Since(start)

	mc := *c
	mc.Homeserver.Image, mc.Labels = ref, m.Labels
	tag := "mutant-" + m.Name
	fmt.Fprintf(os.Stderr, "mutants: running the specs labelled %q against %s…\n", m.Labels, ref)
	o, err := r.run(ctx, &mc, tag)
	if err != nil {
		return res, err
	}
	res.run = o.wall
	res.j = judge(m, o.report)
	if keep || res.j.Verdict != caught { // keep the evidence
		res.kept = filepath.Join(r.cfg.ReportDir, "mutants", m.Name)
		if err := keepEvidence(res.kept, filepath.Join(r.work, tag), o.log); err != nil {
			fmt.Fprintf(os.Stderr, "mutants: keeping the reports of %s: %v\n", m.Name, err)
			res.kept = ""
		}
	}
	return res, nil
}

// keepEvidence moves a mutant run's reports and Ginkgo log into dir,
// replacing what an earlier run kept there.
func keepEvidence(dir, reports, log string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return errors.Join(os.Rename(reports, filepath.Join(dir, "reports")), os.Rename(log, filepath.Join(dir, "ginkgo.log")))
}

// mutantImage names a mutant's image after the image it changes:
// herald/synapse:latest → herald/synapse-mutant:<name>.
func mutantImage(base, name string) string {
	repo := base
	if i := strings.LastIndex(base, ":"); i > strings.LastIndex(base, "/") {
		repo = base[:i]
	}
	if i := strings.Index(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	return repo + "-mutant:" + name
}

// printMutants prints one row per mutant, then every other rule each one
// made fail, which the table only counts.
func printMutants(out io.Writer, results []mutantResult) {
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "mutant\tverdict\trule broken\tcaught by (newly failed)\tbuild\trun")
	for _, res := range results {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", res.m.Name, res.j.Verdict, oneLine(res.m.Rule), res.j.caughtBy(res.m),
			res.build.Round(100*time.Millisecond), res.run.Round(time.Second))
	}
	w.Flush()
	for _, res := range results {
		if _, others := res.j.split(res.m); len(others) > 0 {
			fmt.Fprintf(out, "\n%s also made fail: %s\n", res.m.Name, strings.Join(groupNames(others), "; "))
		}
	}
}

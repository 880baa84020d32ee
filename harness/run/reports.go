package run

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"

	"herald/harness/config"
	"herald/harness/conformance"
	"herald/harness/coverage"
	"herald/harness/report"
)

// WriteReports runs last, on process 1 (a ReportAfterSuite). The suites
// write their own reports, so `make`, `ginkgo` and `go test` all leave the
// same files behind: JUnit, report.json and summary.md after a run; the
// catalogue and the coverage after a dry run, where the environment asks.
func (p *Process) WriteReports(r ginkgo.Report) {
	cfg := p.cfg
	if cfg == nil {
		return
	}
	if r.SuiteConfig.DryRun {
		writeCatalogue(cfg)
		writeCoverage(cfg)
		return
	}
	dir := cfg.ReportPath()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing reports:", err)
		return
	}
	s := report.Summarize(r)
	junit := filepath.Join(dir, "junit.xml")
	junitErr := report.WriteJUnit(r, junit)
	jsonPath := filepath.Join(dir, "report.json")
	if err := reporters.GenerateJSONReport(r, jsonPath); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing", jsonPath+":", err)
	}
	title := fmt.Sprintf("%s (%s)", cfg.HS, cfg.Homeserver.Image)
	if err := os.WriteFile(filepath.Join(dir, "summary.md"), []byte(s.Markdown(title)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing summary:", err)
	}
	fmt.Printf("Herald against %s: %s; reports in %s\n", title, s.Line(), dir)
	if hint, err := os.ReadFile(filepath.Join(dir, storageNoteFile)); err == nil {
		fmt.Printf("Herald: %s", hint)
		appendFile(filepath.Join(dir, "summary.md"), "\n"+string(hint))
	}
	// What a JUnit reader counts must be what that line says.
	if junitErr == nil {
		junitErr = report.CheckJUnit(junit, s)
	}
	if junitErr != nil {
		ginkgo.Fail(fmt.Sprintf("herald: %s: %v", junit, junitErr))
	}
}

func appendFile(path, text string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	f.WriteString(text)
}

// CatalogueEnv names the file a dry run writes the rule catalogue to.
const CatalogueEnv = "HERALD_CATALOGUE"

// writeCatalogue writes docs/CONFORMANCE.md (or wherever HERALD_CATALOGUE
// says) from the rules the specs registered while Ginkgo walked them.
func writeCatalogue(cfg *config.Config) {
	path := os.Getenv(CatalogueEnv)
	if path == "" {
		return
	}
	md := report.Catalogue(conformance.Rules(), conformance.SpecIDs())
	ids, unknown := conformance.ContractSpecIDs()
	if len(unknown) > 0 {
		fmt.Fprintf(os.Stderr, "herald: the contract check names specs that do not exist: %s\n", strings.Join(unknown, ", "))
		os.Exit(1)
	}
	md += fmt.Sprintf("\n## The contract check\n\n`make contract` runs the specs labelled `%s` against images Herald did not write: every smoke spec and %s.\n",
		conformance.ContractLabel, "`"+strings.Join(ids, "`, `")+"`")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing the catalogue:", err)
	}
	if os.Getenv(CheckExpectationsEnv) != "" {
		if problems := checkAllExpectations(cfg); len(problems) > 0 {
			for _, p := range problems {
				fmt.Fprintln(os.Stderr, "herald:", p)
			}
			ginkgo.Fail(fmt.Sprintf("%d problem(s) in the expectations files", len(problems)))
		}
	}
}

// CheckExpectationsEnv makes a dry run check every homeserver's
// expectations file too (the catalogue check does).
const CheckExpectationsEnv = "HERALD_CHECK_EXPECTATIONS"

// checkAllExpectations checks the expectations file of every homeserver in
// the run profile: it reads, names only specs that exist, and holds no
// entry a person has yet to finish (a placeholder reason, no fingerprint).
func checkAllExpectations(cfg *config.Config) []string {
	known := knownIDs()
	var problems []string
	for _, name := range cfg.Names() {
		c, err := cfg.For(name)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		path := c.Homeserver.Expectations
		entries, err := conformance.LoadExpectations(path)
		if err == nil {
			err = conformance.CheckExpectations(entries, func(id string) bool { return known[id] })
		}
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for _, u := range conformance.Unfinished(entries) {
			problems = append(problems, path+": "+u)
		}
	}
	return problems
}

// CoverageEnv names the file a dry run writes the coverage of the
// normative statements to (docs/COVERAGE.md).
const CoverageEnv = "HERALD_COVERAGE"

// StatementsFile is the hand-written inventory of normative statements,
// relative to the repository root.
const StatementsFile = "docs/statements.yaml"

// writeCoverage checks docs/statements.yaml against the rules the specs
// registered and writes docs/COVERAGE.md (or wherever HERALD_COVERAGE
// says). A rule that cites no statement, a statement naming a rule that
// does not exist, or one with neither rule nor reason fails the run.
func writeCoverage(cfg *config.Config) {
	path := os.Getenv(CoverageEnv)
	if path == "" {
		return
	}
	inv, err := coverage.Load(filepath.Join(cfg.Dir, StatementsFile))
	if err != nil {
		fmt.Fprintln(os.Stderr, "herald:", err)
		ginkgo.Fail(err.Error())
		return
	}
	var ids []string
	for _, r := range conformance.Rules() {
		ids = append(ids, r.ID)
	}
	if problems := coverage.Check(inv, ids); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "herald: "+StatementsFile+":", p)
		}
		ginkgo.Fail(fmt.Sprintf("%d problem(s) in %s", len(problems), StatementsFile))
		return
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(coverage.Markdown(inv, conformance.SpecIDs())), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing the coverage:", err)
	}
}

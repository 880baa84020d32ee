package suite

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"

	"herald/harness/conformance"
	"herald/harness/report"
)

// The suites write their own reports, so `make`, `ginkgo` and `go test` all
// leave the same files behind.
var _ = ginkgo.ReportAfterSuite("Herald reports", func(r ginkgo.Report) {
	if cfg == nil {
		return
	}
	if r.SuiteConfig.DryRun {
		writeCatalogue()
		return
	}
	dir := cfg.ReportPath()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing reports:", err)
		return
	}
	junit := filepath.Join(dir, "junit.xml")
	if err := reporters.GenerateJUnitReportWithConfig(r, junit, reporters.JunitReportConfig{OmitSpecLabels: true, OmitLeafNodeType: true}); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing", junit+":", err)
	}
	jsonPath := filepath.Join(dir, "report.json")
	if err := reporters.GenerateJSONReport(r, jsonPath); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing", jsonPath+":", err)
	}
	s := report.Summarize(r)
	title := fmt.Sprintf("%s (%s)", cfg.HS, cfg.Homeserver.Image)
	if err := os.WriteFile(filepath.Join(dir, "summary.md"), []byte(s.Markdown(title)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing summary:", err)
	}
	fmt.Printf("Herald against %s: %s; reports in %s\n", title, s.Line(), dir)
	if hint, err := os.ReadFile(filepath.Join(dir, storageNoteFile)); err == nil {
		fmt.Printf("Herald: %s", hint)
		appendFile(filepath.Join(dir, "summary.md"), "\n"+string(hint))
	}
})

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
func writeCatalogue() {
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
}

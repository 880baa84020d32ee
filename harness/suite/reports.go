package suite

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// The suites write their own reports, so `make`, `ginkgo` and `go test` all
// leave the same files behind.
var _ = ginkgo.ReportAfterSuite("Herald reports", func(report ginkgo.Report) {
	if cfg == nil {
		return
	}
	dir := cfg.ReportPath()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing reports:", err)
		return
	}
	junit := filepath.Join(dir, "junit.xml")
	if err := reporters.GenerateJUnitReportWithConfig(report, junit, reporters.JunitReportConfig{OmitSpecLabels: true, OmitLeafNodeType: true}); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing", junit+":", err)
	}
	jsonPath := filepath.Join(dir, "report.json")
	if err := reporters.GenerateJSONReport(report, jsonPath); err != nil {
		fmt.Fprintln(os.Stderr, "herald: writing", jsonPath+":", err)
	}
	fmt.Println(Summary(report, cfg.HS, cfg.Homeserver.Image, dir))
})

// Summary is the closing line of a run: counts, wall time and where the reports are.
func Summary(report ginkgo.Report, hs, image, dir string) string {
	var passed, failed, skipped int
	for _, s := range report.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			if s.State.Is(types.SpecStateFailureStates) {
				failed++ // a failed suite node fails the run
			}
			continue
		}
		switch {
		case s.State == types.SpecStatePassed:
			passed++
		case s.State.Is(types.SpecStateFailureStates):
			failed++
		default:
			skipped++
		}
	}
	return fmt.Sprintf("Herald against %s (%s): %d passed, %d failed, %d skipped in %s; reports in %s",
		hs, image, passed, failed, skipped, report.RunTime.Round(1e7), dir)
}

package report

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/joshdk/go-junit"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/conformance"
)

// WriteJUnit writes junit.xml so that the JUnit readers CI systems use
// tell the outcomes apart: an expected failure and a MAY rule not done are
// skipped test cases whose message says so ("expected failure: <reason> —
// observed: <fingerprint>", "MAY not done: …"), as pytest writes xfail;
// fail, changed and unexpected-pass are failures. Test names are the
// specs' full texts, without labels, so they stay stable. The counts a
// reader finds are Summary's: Tests, Failed and SkippedInJUnit.
func WriteJUnit(r types.Report, path string) error {
	// Ginkgo writes each spec's timeline, output and failure location; a
	// temporary file keeps a half-done report from being read as the run's.
	tmp := path + ".ginkgo"
	defer os.Remove(tmp)
	if err := reporters.GenerateJUnitReportWithConfig(r, tmp, reporters.JunitReportConfig{OmitSpecLabels: true, OmitLeafNodeType: true}); err != nil {
		return err
	}
	raw, err := os.ReadFile(tmp)
	if err != nil {
		return err
	}
	var doc reporters.JUnitTestSuites
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("reading back Ginkgo's JUnit: %w", err)
	}
	if len(doc.TestSuites) != 1 || len(doc.TestSuites[0].TestCases) != len(r.SpecReports) {
		return fmt.Errorf("Ginkgo's JUnit has %d suites and not one test case per spec report (%d)", len(doc.TestSuites), len(r.SpecReports))
	}
	suite := &doc.TestSuites[0]
	var cases []reporters.JUnitTestCase
	for i, sr := range r.SpecReports {
		tc := suite.TestCases[i]
		if sr.LeafNodeType != types.NodeTypeIt {
			// A setup node is a test case only when it failed, named by its kind.
			if !sr.State.Is(types.SpecStateFailureStates) {
				continue
			}
			tc.Name = "[" + sr.LeafNodeType.String() + "]"
			cases = append(cases, tc)
			continue
		}
		res := resultOf(sr)
		tc.Name = strings.TrimSpace(sr.FullText())
		tc.Status = res.Class
		tc.Properties = properties(sr)
		switch res.Class {
		case conformance.ExpectedFail, conformance.NotDone:
			tc.Skipped = &reporters.JUnitSkipped{Message: res.Outcome.Detail}
			tc.Failure, tc.Error = nil, nil
		case conformance.Fail, conformance.Changed, conformance.UnexpectedPass:
			if tc.Failure == nil && tc.Error == nil { // cannot happen: the spec failed
				tc.Failure = &reporters.JUnitFailure{Message: res.Detail, Type: "failed"}
			}
		}
		cases = append(cases, tc)
	}
	suite.TestCases = cases
	suite.Tests, suite.Failures, suite.Errors, suite.Skipped, suite.Disabled = len(cases), 0, 0, 0, 0
	for _, tc := range cases {
		switch {
		case tc.Failure != nil:
			suite.Failures++
		case tc.Error != nil:
			suite.Errors++
		case tc.Skipped != nil:
			suite.Skipped++
		}
	}
	doc.Tests, doc.Failures, doc.Errors, doc.Disabled = suite.Tests, suite.Failures, suite.Errors, suite.Skipped

	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), append(out, '\n')...), 0o644)
}

// properties lists a spec's report entries with their values as JSON
// (read back from JSON when the report crossed processes).
func properties(sr types.SpecReport) *reporters.JUnitProperties {
	if len(sr.ReportEntries) == 0 {
		return nil
	}
	p := &reporters.JUnitProperties{}
	for _, e := range sr.ReportEntries {
		value := e.Value.AsJSON
		if value == "" {
			b, err := json.Marshal(e.GetRawValue())
			if err != nil {
				b, _ = json.Marshal(err.Error())
			}
			value = string(b)
		}
		p.Properties = append(p.Properties, reporters.JUnitProperty{Name: e.Name, Value: value})
	}
	return p
}

// CheckJUnit reads a junit.xml back with a JUnit reader of the kind CI
// systems use and checks that it counts what the summary says: tests,
// passed, failed (failures and errors), skipped; and that each spec shows
// under its name as the reader's status its class calls for.
func CheckJUnit(path string, s Summary) error {
	suites, err := junit.IngestFile(path)
	if err != nil {
		return fmt.Errorf("a JUnit reader cannot read %s: %w", path, err)
	}
	var t junit.Totals
	for _, suite := range suites {
		t.Tests += suite.Totals.Tests
		t.Passed += suite.Totals.Passed
		t.Skipped += suite.Totals.Skipped
		t.Failed += suite.Totals.Failed
		t.Error += suite.Totals.Error
	}
	got := [4]int{t.Tests, t.Passed, t.Failed + t.Error, t.Skipped}
	want := [4]int{s.Tests(), s.Counts[conformance.Pass], s.Failed(), s.SkippedInJUnit()}
	if got != want {
		return fmt.Errorf("a JUnit reader counts %d tests, %d passed, %d failed, %d skipped in %s; the summary says %d, %d, %d, %d",
			got[0], got[1], got[2], got[3], path, want[0], want[1], want[2], want[3])
	}
	// The same counts could hide two specs swapped: each spec must show
	// under its own name as its class calls for. What no spec claims is
	// the failed setup nodes.
	shown := map[string]int{}
	for _, suite := range suites {
		for _, tc := range suite.Tests {
			shown[tc.Name+"\x00"+readerStatus(tc.Status)]++
		}
	}
	for _, r := range s.Results {
		k := strings.TrimSpace(r.Text) + "\x00" + readerStatus(junitStatus(r.Class))
		if shown[k] == 0 {
			return fmt.Errorf("%s shows no %s test case named %q, the summary's %s", path, readerStatus(junitStatus(r.Class)), r.Text, r.Class)
		}
		shown[k]--
	}
	for k, n := range shown {
		name, status, _ := strings.Cut(k, "\x00")
		if n > 0 && status != readerStatus(junit.StatusFailed) {
			return fmt.Errorf("%s shows a %s test case named %q that the summary does not have", path, status, name)
		}
	}
	return nil
}

// junitStatus is how a JUnit reader must show a spec of this class: what
// fails the run as failed, expected failures, MAY rules not done and specs
// that did not run as skipped.
func junitStatus(class string) junit.Status {
	switch class {
	case conformance.Pass:
		return junit.StatusPassed
	case conformance.ExpectedFail, conformance.NotDone, Skipped:
		return junit.StatusSkipped
	}
	return junit.StatusFailed
}

// readerStatus names a reader's status, an error (a spec interrupted or
// panicked) counting as failed.
func readerStatus(s junit.Status) string {
	if s == junit.StatusError {
		s = junit.StatusFailed
	}
	return string(s)
}

package report

import (
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/conformance"
)

func spec(text string, state types.SpecState, outcome string) types.SpecReport {
	sr := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, State: state}
	if state.Is(types.SpecStateFailureStates) {
		sr.Failure = types.Failure{Message: "expected 200, got 500"}
	}
	if outcome != "" {
		sr.ReportEntries = types.ReportEntries{{Name: conformance.EntryOutcome, Value: types.WrapEntryValue(outcome)}}
	}
	return sr
}

func TestSummarizeClassifiesEveryOutcome(t *testing.T) {
	r := types.Report{RunTime: 3 * time.Second, SpecReports: types.SpecReports{
		spec("[A] passes", types.SpecStatePassed, conformance.Pass),
		spec("[B] breaks", types.SpecStateFailed, ""),
		spec("[C] known", types.SpecStatePassed, conformance.ExpectedFail+": known failure (x): boom"),
		spec("[D] stale", types.SpecStateFailed, conformance.UnexpectedPass),
		spec("[E] optional", types.SpecStatePassed, conformance.NotDone+": the server does not"),
		spec("[F] filtered", types.SpecStateSkipped, ""),
		{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateFailed, Failure: types.Failure{Message: "no engine"}},
	}}
	s := Summarize(r)
	want := map[string]int{conformance.Pass: 1, conformance.Fail: 1, conformance.ExpectedFail: 1, conformance.UnexpectedPass: 1, conformance.NotDone: 1, Skipped: 1}
	for class, n := range want {
		if s.Counts[class] != n {
			t.Errorf("%s: %d, want %d (counts %v)", class, s.Counts[class], n, s.Counts)
		}
	}
	if s.Failed() != 3 {
		t.Errorf("Failed() = %d, want 3 (fail, unexpected pass, setup)", s.Failed())
	}
	if !strings.HasPrefix(s.Line(), "1 passed, 3 failed, 1 expected failures, 1 MAY not done") {
		t.Errorf("Line() = %q", s.Line())
	}
	if s.Results[0].ID != "B" || s.Results[1].ID != "D" {
		t.Errorf("unexpected outcomes are not listed first: %v", s.Results[:2])
	}
	md := s.Markdown("synapse")
	for _, want := range []string{"Setup failed:** SynchronizedBeforeSuite: no engine", "**fail** `B`", "**expected-fail** `C`", "**not-done** `E`"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "`A`") || strings.Contains(md, "`F`") {
		t.Errorf("markdown lists passed or skipped specs:\n%s", md)
	}
}

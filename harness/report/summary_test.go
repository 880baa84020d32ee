package report

import (
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/conformance"
)

// spec is a spec report as the suites leave it: failed specs carry their
// failure, every spec its outcome entry.
func spec(text string, state types.SpecState, o conformance.Outcome, labels ...string) types.SpecReport {
	sr := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, State: state, LeafNodeLabels: labels}
	if state.Is(types.SpecStateFailureStates) {
		sr.Failure = types.Failure{Message: "expected 200, got 500\nobserved: status 500 M_UNKNOWN\nthe exchange:\nPUT …"}
		if o.Detail != "" {
			sr.Failure.Message = o.Detail
		}
	}
	if o.Class != "" {
		sr.ReportEntries = types.ReportEntries{{Name: conformance.EntryOutcome, Value: types.WrapEntryValue(o)}}
	}
	return sr
}

func expected(reason, observed, severity string) conformance.Outcome {
	return conformance.Outcome{Class: conformance.ExpectedFail, Rule: conformance.ExpectedFail, Reason: reason, Observed: observed, Recorded: observed, Severity: severity,
		Detail: "expected failure: " + reason + " — observed: " + observed}
}

// everyOutcome is a run with each class once, a table rule expected to
// fail in three versions, a filtered spec and a failed setup node.
func everyOutcome() types.Report {
	return types.Report{RunTime: 3 * time.Second, SpecReports: types.SpecReports{
		spec("[A] passes", types.SpecStatePassed, conformance.Outcome{Class: conformance.Pass}, "errors", "must"),
		spec("[B] breaks", types.SpecStateFailed, conformance.Outcome{Class: conformance.Fail}, "errors", "must"),
		spec("[C] known", types.SpecStatePassed, expected("answers 403", "status 403 M_FORBIDDEN", conformance.Should), "errors", "should"),
		spec("[D] stale", types.SpecStateFailed, conformance.Outcome{Class: conformance.UnexpectedPass, Detail: "D passed, but …"}, "errors", "must"),
		spec("[E] optional", types.SpecStatePassed, conformance.Outcome{Class: conformance.NotDone, Detail: "MAY not done: the server does not", Observed: "status 200 no errcode"}, "errors", "may"),
		spec("[F] filtered", types.SpecStateSkipped, conformance.Outcome{}, "errors", "must"),
		spec("[G] differs", types.SpecStateFailed, conformance.Outcome{Class: conformance.Changed, Recorded: "status 400 M_UNSUPPORTED_ROOM_VERSION", Observed: "status 500 M_UNKNOWN",
			Detail: "G fails differently from its expectation: recorded \"status 400 M_UNSUPPORTED_ROOM_VERSION\", observed \"status 500 M_UNKNOWN\""}, "errors", "must"),
		spec("T: x [T/v1] room version 1", types.SpecStatePassed, expected("forged invite countersigned", "status 200 no errcode", conformance.Security), "errors", "must", "room-v1"),
		spec("T: x [T/v2] room version 2", types.SpecStatePassed, expected("forged invite countersigned", "status 200 no errcode", conformance.Security), "errors", "must", "room-v2"),
		spec("T: x [T/v3] room version 3", types.SpecStatePassed, expected("forged invite countersigned", "status 200 no errcode", conformance.Security), "errors", "must", "room-v3"),
		spec("T: x [T/v5] room version 5", types.SpecStatePassed, expected("forged invite countersigned", "status 403 M_FORBIDDEN", conformance.Security), "errors", "must", "room-v5"),
		spec("U: x [U/v11] room version 11", types.SpecStatePassed, expected("v11 redaction drops it", "status 500 no errcode", conformance.Must), "third-party", "must", "room-v11"),
		spec("U: x [U/v12] room version 12", types.SpecStatePassed, expected("as v11", "status 500 no errcode", conformance.Must), "third-party", "must", "room-v12"),
		spec("[H] guard", types.SpecStateFailed, conformance.Outcome{Class: conformance.Fail, Rule: conformance.ExpectedFail, Guards: []string{"the server still serves: boom"}}, "errors", "must"),
		spec("[I] new", types.SpecStateFailed, conformance.Outcome{Class: conformance.Fail, Rule: conformance.Fail, Observed: "status 200 no errcode"}, "errors", "must"),
		{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStatePassed},
		{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateFailed, Failure: types.Failure{Message: "no engine"}},
	}}
}

func TestSummarizeClassifiesEveryOutcome(t *testing.T) {
	s := Summarize(everyOutcome())
	want := map[string]int{conformance.Pass: 1, conformance.Fail: 3, conformance.ExpectedFail: 7, conformance.UnexpectedPass: 1, conformance.NotDone: 1, conformance.Changed: 1, Skipped: 1}
	for class, n := range want {
		if s.Counts[class] != n {
			t.Errorf("%s: %d, want %d (counts %v)", class, s.Counts[class], n, s.Counts)
		}
	}
	if s.Failed() != 6 || s.SkippedInJUnit() != 9 || s.Tests() != 16 {
		t.Errorf("failed %d (want fail, changed, unexpected pass, setup), skipped %d, tests %d", s.Failed(), s.SkippedInJUnit(), s.Tests())
	}
	if s.Known[conformance.Security] != 4 || s.Known[conformance.Should] != 1 || s.Known[conformance.Must] != 2 {
		t.Errorf("known by severity: %v", s.Known)
	}
	line := s.Line()
	if !strings.HasPrefix(line, "known failures: MUST 2, security 4 (7 in all, SHOULD 1); 1 passed, 6 failed, 9 skipped (7 expected failures, 1 MAY not done, 1 not run); against the expectations: 4 new failures, 1 fixed, 1 changed") {
		t.Errorf("Line() = %q", line)
	}
	if s.Results[0].ID != "B" || s.Results[3].ID != "G" || s.Results[4].ID != "D" {
		t.Errorf("unexpected outcomes are not listed first: %v", s.Results[:3])
	}
	if r := s.Results[3]; r.Outcome.Recorded != "status 400 M_UNSUPPORTED_ROOM_VERSION" {
		t.Errorf("the outcome is not read back: %+v", r)
	}
}

func TestMarkdownOpensWithWhatMattersAndGroupsVersions(t *testing.T) {
	md := Summarize(everyOutcome()).Markdown("synapse")
	lines := strings.Split(md, "\n")
	if lines[2] != "**Known failures: MUST 2, security 4 (7 in all, SHOULD 1)**" {
		t.Errorf("the summary does not open with the known MUST and security failures:\n%s", md)
	}
	for _, want := range []string{
		"Setup failed:** SynchronizedBeforeSuite: no engine",
		"## Against the expectations\n\nNew failures: 4 · fixed: 1 · changed: 1\n",
		"- **fail** `B` (MUST): expected 200, got 500 observed: status 500 M_UNKNOWN\n",
		"- **fail** `H` (MUST): guard failed: the server still serves (the rule's own check: expected-fail)\n",
		"- **fail** `I` (MUST): observed: status 200 no errcode\n",
		"- **changed** `G` (MUST): fails differently from its expectation: recorded \"status 400 M_UNSUPPORTED_ROOM_VERSION\", observed \"status 500 M_UNKNOWN\"\n",
		"- **unexpected-pass** `D` (MUST): passes now",
		"- **expected-fail** `T` v1–v3, v5 (MUST, security): forged invite countersigned — observed: v1–v3: status 200 no errcode; v5: status 403 M_FORBIDDEN\n",
		"- **expected-fail** `C` (SHOULD, should): answers 403 — observed: status 403 M_FORBIDDEN\n",
		"- **not-done** `E` (MAY): MAY not done — observed: status 200 no errcode\n",
		"- **expected-fail** `U` v11, v12 (MUST, must): v11: v11 redaction drops it — observed: status 500 no errcode; v12: as v11 — observed: status 500 no errcode\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "`A`") || strings.Contains(md, "`F`") || strings.Count(md, "`T`") != 1 {
		t.Errorf("markdown lists passed or skipped specs, or a rule more than once:\n%s", md)
	}
	if strings.Index(md, "Against the expectations") > strings.Index(md, "## Counts") {
		t.Error("the diff against the expectations does not come first")
	}
}

func TestVersionRange(t *testing.T) {
	for in, want := range map[string]string{"1 2 3 4 5 6 7 8 9 10 11 12": "v1–v12", "1 2": "v1, v2", "1 3 4 5 7": "v1, v3–v5, v7", "12": "v12"} {
		if got := VersionRange(strings.Fields(in)); got != want {
			t.Errorf("VersionRange(%s) = %q, want %q", in, got, want)
		}
	}
}

package report

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/joshdk/go-junit"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/conformance"
)

// junitOfEveryOutcome writes the JUnit file of a run with every outcome
// and returns its path and the run's summary.
func junitOfEveryOutcome(t *testing.T) (string, Summary) {
	t.Helper()
	r := everyOutcome()
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := WriteJUnit(r, path); err != nil {
		t.Fatal(err)
	}
	return path, Summarize(r)
}

// A JUnit reader of the kind CI systems use tells the outcomes apart and
// counts what the summary line says.
func TestJUnitReadersTellTheOutcomesApart(t *testing.T) {
	path, s := junitOfEveryOutcome(t)
	if err := CheckJUnit(path, s); err != nil {
		t.Fatal(err)
	}
	byName := expectCases(t, path, 16, map[string]junitCase{
		"[A] passes":                 {junit.StatusPassed, ""},
		"[B] breaks":                 {junit.StatusFailed, "expected 200, got 500"},
		"[C] known":                  {junit.StatusSkipped, "expected failure: answers 403 — observed: status 403 M_FORBIDDEN"},
		"[D] stale":                  {junit.StatusFailed, "D passed, but"},
		"[E] optional":               {junit.StatusSkipped, "MAY not done: the server does not"},
		"[F] filtered":               {junit.StatusSkipped, "skipped"},
		"[G] differs":                {junit.StatusFailed, "G fails differently from its expectation: recorded \"status 400 M_UNSUPPORTED_ROOM_VERSION\", observed \"status 500 M_UNKNOWN\""},
		"T: x [T/v5] room version 5": {junit.StatusSkipped, "expected failure: forged invite countersigned — observed: status 403 M_FORBIDDEN"},
		"[SynchronizedBeforeSuite]":  {junit.StatusFailed, "no engine"},
	})
	if tc := byName["[C] known"]; tc.Properties["status"] != "expected-fail" {
		t.Errorf("the test case's status is not its class: %v", tc.Properties)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), `<property name="herald.outcome" value="{&#34;class&#34;:&#34;expected-fail&#34;`) {
		t.Errorf("the outcome property is not JSON:\n%s", raw)
	}
}

func TestCheckJUnitCatchesADisagreement(t *testing.T) {
	path, s := junitOfEveryOutcome(t)
	s.Counts["pass"]++
	if err := CheckJUnit(path, s); err == nil || !strings.Contains(err.Error(), "a JUnit reader counts 16 tests, 1 passed, 6 failed, 9 skipped") {
		t.Errorf("err = %v", err)
	}
	os.WriteFile(path, []byte("<testsuites><testsuite"), 0o644)
	if err := CheckJUnit(path, s); err == nil {
		t.Error("a broken file passed")
	}
}

// unusualEndings is a run whose specs end in the ways a run can end
// besides the outcome classes: interrupted, panicked, timed out, failed in
// a setup node, skipped while running, pending, and a guard that failed
// after the rule's check failed as expected.
func unusualEndings() types.Report {
	interrupted := spec("[J] interrupted", types.SpecStateInterrupted, conformance.Outcome{})
	interrupted.Failure = types.Failure{Message: "interrupted by user"}
	panicked := spec("[K] panicked", types.SpecStatePanicked, conformance.Outcome{})
	panicked.Failure = types.Failure{Message: "Test Panicked", ForwardedPanic: "runtime error: index out of range [3] with length 3"}
	timedout := spec("[L] timed out", types.SpecStateTimedout, conformance.Outcome{})
	timedout.Failure = types.Failure{Message: "A spec timeout occurred"}
	inBeforeEach := spec("[M] health", types.SpecStateFailed, conformance.Outcome{})
	inBeforeEach.Failure = types.Failure{Message: "homeserver hs1 exited with exit code 137", FailureNodeType: types.NodeTypeBeforeEach}
	notRun := spec("N: x [N/v12] room version 12", types.SpecStateSkipped, conformance.Outcome{}, "errors", "must", "room-v12")
	notRun.Failure = types.Failure{Message: "the homeserver does not offer room version 12 in /capabilities"}
	guard := spec("[O] guarded", types.SpecStateFailed, conformance.Outcome{Class: conformance.Fail, Rule: conformance.ExpectedFail,
		Guards: []string{"the server still serves: no answer"},
		Detail: "guard failed (guards fail the run whatever the expectations say): the server still serves: no answer\n\nthe rule's own check: expected-fail: expected failure: answers 403 — observed: status 403 M_FORBIDDEN"}, "errors", "must")
	afterRecorded := spec("[P] cleanup failed", types.SpecStateFailed, expected("answers 403", "status 403 M_FORBIDDEN", conformance.Must), "errors", "must")
	afterRecorded.Failure = types.Failure{Message: "the identity server mock saw invalid requests", FailureNodeType: types.NodeTypeCleanupAfterEach}
	return types.Report{RunTime: time.Second, SpecReports: types.SpecReports{
		interrupted, panicked, timedout, inBeforeEach, notRun, guard, afterRecorded,
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "[Q] pending", State: types.SpecStatePending},
		{LeafNodeType: types.NodeTypeSynchronizedAfterSuite, State: types.SpecStateInterrupted, Failure: types.Failure{Message: "interrupted by user"}},
		{LeafNodeType: types.NodeTypeReportBeforeSuite, State: types.SpecStatePassed},
	}}
}

// Every way a spec can end reaches JUnit as the element its class calls
// for, and the counts still agree with the summary line.
func TestJUnitOfUnusualEndings(t *testing.T) {
	r := unusualEndings()
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := WriteJUnit(r, path); err != nil {
		t.Fatal(err)
	}
	s := Summarize(r)
	if err := CheckJUnit(path, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Line(), "0 passed, 7 failed, 2 skipped (0 expected failures, 0 MAY not done, 2 not run); against the expectations: 7 new failures, 0 fixed, 0 changed") {
		t.Errorf("Line() = %q", s.Line())
	}
	// A passed setup node is no test case: 9 in all.
	expectCases(t, path, 9, map[string]junitCase{
		"[J] interrupted":              {junit.StatusError, "interrupted by user"},
		"[K] panicked":                 {junit.StatusError, "runtime error: index out of range"},
		"[L] timed out":                {junit.StatusFailed, "A spec timeout occurred"},
		"[M] health":                   {junit.StatusFailed, "homeserver hs1 exited with exit code 137"},
		"N: x [N/v12] room version 12": {junit.StatusSkipped, "skipped - the homeserver does not offer room version 12"},
		"[O] guarded":                  {junit.StatusFailed, "guard failed (guards fail the run whatever the expectations say): the server still serves"},
		"[P] cleanup failed":           {junit.StatusFailed, "the identity server mock saw invalid requests"},
		"[Q] pending":                  {junit.StatusSkipped, "pending"},
		"[SynchronizedAfterSuite]":     {junit.StatusError, "interrupted by user"},
	})
}

// The counts alone could hide two specs swapped; the check names them.
func TestCheckJUnitCatchesSpecsShownAsAnotherClass(t *testing.T) {
	path, _ := junitOfEveryOutcome(t)
	r := everyOutcome()
	// [A] passed and [C] failed as expected; a summary that has them the
	// other way round counts the same.
	r.SpecReports[0] = spec("[A] passes", types.SpecStatePassed, expected("answers 403", "status 403 M_FORBIDDEN", conformance.Should), "errors", "should")
	r.SpecReports[2] = spec("[C] known", types.SpecStatePassed, conformance.Outcome{Class: conformance.Pass}, "errors", "must")
	err := CheckJUnit(path, Summarize(r))
	if err == nil || !strings.Contains(err.Error(), `shows no skipped test case named "[A] passes", the summary's expected-fail`) {
		t.Errorf("err = %v", err)
	}
}

// Ginkgo's own JUnit shows an expected failure and a MAY rule not done as
// passed: the check refuses it, so a run that wrote it would fail.
func TestCheckJUnitRefusesGinkgosOwnJUnit(t *testing.T) {
	r := everyOutcome()
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := reporters.GenerateJUnitReportWithConfig(r, path, reporters.JunitReportConfig{OmitSpecLabels: true, OmitLeafNodeType: true}); err != nil {
		t.Fatal(err)
	}
	if err := CheckJUnit(path, Summarize(r)); err == nil || !strings.Contains(err.Error(), "a JUnit reader counts") {
		t.Errorf("err = %v", err)
	}
}

// A failed spec's test case carries the rule (ID, level, section), what
// was sent and what came back, the mocks' transcript and the homeserver's
// log of the spec's time window; a spec that passed carries no evidence
// beyond its entries.
func TestAFailedSpecsJUnitCarriesItsEvidence(t *testing.T) {
	failed := spec("Inbound invite [INV2-SIGN/v3] room version 3", types.SpecStateFailed, conformance.Outcome{Class: conformance.Fail, Rule: conformance.Fail,
		Observed: "status 500 M_UNKNOWN", Level: "MUST", Section: "server-server-api.md §Inviting to a room",
		Detail: "PUT /_matrix/federation/v2/invite/!r/$e: expected 200, got 500\nobserved: status 500 M_UNKNOWN\nThe spec requires (server-server-api.md §Inviting to a room): the server signs the invite."},
		"invite-v2", "must", "room-v3")
	failed.ReportEntries = append(types.ReportEntries{
		{Name: conformance.EntryRule, Value: types.WrapEntryValue("INV2-SIGN/v3 — the spec requires: INV2-SIGN MUST: the server signs the invite (server-server-api.md §Inviting to a room)")},
	}, append(failed.ReportEntries,
		types.ReportEntry{Name: "federation transcript of remote1", Value: types.WrapEntryValue("→ PUT /_matrix/federation/v2/invite/!r/$e\n← 500 {\"errcode\":\"M_UNKNOWN\"}")},
		types.ReportEntry{Name: "homeserver log (hs1, from spec start)", Value: types.WrapEntryValue("ERROR - invite failed: KeyError")},
	)...)
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := WriteJUnit(types.Report{SpecReports: types.SpecReports{failed}}, path); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	var doc reporters.JUnitTestSuites
	if err := xml.Unmarshal(raw, &doc); err != nil || len(doc.TestSuites) != 1 || len(doc.TestSuites[0].TestCases) != 1 {
		t.Fatalf("%v:\n%s", err, raw)
	}
	tc := doc.TestSuites[0].TestCases[0]
	if tc.Name != "Inbound invite [INV2-SIGN/v3] room version 3" || tc.Failure == nil {
		t.Fatalf("test case %q, failure %v", tc.Name, tc.Failure)
	}
	if !strings.Contains(tc.Failure.Message, "expected 200, got 500") || !strings.Contains(tc.Failure.Message, "The spec requires (server-server-api.md §Inviting to a room)") {
		t.Errorf("the failure does not say what came back and what the spec requires: %q", tc.Failure.Message)
	}
	props := map[string]string{}
	if tc.Properties != nil {
		for _, p := range tc.Properties.Properties {
			props[p.Name] = p.Value
		}
	}
	for name, want := range map[string]string{
		conformance.EntryRule:                   "INV2-SIGN MUST: the server signs the invite (server-server-api.md §Inviting to a room)",
		conformance.EntryOutcome:                `"section":"server-server-api.md §Inviting to a room"`,
		"federation transcript of remote1":      `← 500 {\"errcode\":\"M_UNKNOWN\"}`,
		"homeserver log (hs1, from spec start)": "invite failed: KeyError",
	} {
		if !strings.Contains(props[name], want) {
			t.Errorf("property %q = %q, want it to hold %q", name, props[name], want)
		}
	}
	if !strings.Contains(props[conformance.EntryOutcome], `"level":"MUST"`) {
		t.Errorf("the outcome does not carry the rule's level: %s", props[conformance.EntryOutcome])
	}
}

// junitCase is how a JUnit reader should see one test case: its status and
// the start of its message.
type junitCase struct {
	status  junit.Status
	message string
}

// expectCases reads the JUnit file at path as a CI system's reader does and
// checks it holds n test cases, those named in want as want says; it
// returns the test cases by name.
func expectCases(t *testing.T, path string, n int, want map[string]junitCase) map[string]junit.Test {
	t.Helper()
	suites, err := junit.IngestFile(path)
	if err != nil || len(suites) != 1 {
		t.Fatalf("%d suites, %v", len(suites), err)
	}
	byName := map[string]junit.Test{}
	for _, tc := range suites[0].Tests {
		byName[tc.Name] = tc
	}
	if len(byName) != n {
		t.Errorf("%d test cases, want %d: %v", len(byName), n, byName)
	}
	for name, w := range want {
		tc, ok := byName[name]
		if !ok {
			t.Errorf("no test case named %q", name)
			continue
		}
		if tc.Status != w.status || !strings.HasPrefix(tc.Message, w.message) {
			t.Errorf("%s: %s %q, want %s %q", name, tc.Status, tc.Message, w.status, w.message)
		}
	}
	return byName
}

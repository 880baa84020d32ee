package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joshdk/go-junit"
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
	suites, err := junit.IngestFile(path)
	if err != nil || len(suites) != 1 {
		t.Fatalf("%d suites, %v", len(suites), err)
	}
	byName := map[string]junit.Test{}
	for _, tc := range suites[0].Tests {
		byName[tc.Name] = tc
	}
	if len(byName) != 16 {
		t.Errorf("%d test cases: %v", len(byName), byName)
	}
	for name, want := range map[string]struct {
		status  junit.Status
		message string
	}{
		"[A] passes":                 {junit.StatusPassed, ""},
		"[B] breaks":                 {junit.StatusFailed, "expected 200, got 500"},
		"[C] known":                  {junit.StatusSkipped, "expected failure: answers 403 — observed: status 403 M_FORBIDDEN"},
		"[D] stale":                  {junit.StatusFailed, "D passed, but"},
		"[E] optional":               {junit.StatusSkipped, "MAY not done: the server does not"},
		"[F] filtered":               {junit.StatusSkipped, "skipped"},
		"[G] differs":                {junit.StatusFailed, "G fails differently from its expectation: recorded \"status 400 M_UNSUPPORTED_ROOM_VERSION\", observed \"status 500 M_UNKNOWN\""},
		"T: x [T/v5] room version 5": {junit.StatusSkipped, "expected failure: forged invite countersigned — observed: status 403 M_FORBIDDEN"},
		"[SynchronizedBeforeSuite]":  {junit.StatusFailed, "no engine"},
	} {
		tc, ok := byName[name]
		if !ok {
			t.Errorf("no test case named %q", name)
			continue
		}
		if tc.Status != want.status || !strings.HasPrefix(tc.Message, want.message) {
			t.Errorf("%s: %s %q, want %s %q", name, tc.Status, tc.Message, want.status, want.message)
		}
	}
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

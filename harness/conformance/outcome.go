package conformance

import (
	"fmt"
	"sync"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
)

// Outcome classes a spec can end in.
const (
	Pass           = "pass"
	Fail           = "fail"
	ExpectedFail   = "expected-fail"
	UnexpectedPass = "unexpected-pass"
	// NotDone is a MAY rule the server chose not to follow: reported, never a failure.
	NotDone = "not-done"
)

// Report entry names the suites attach to every spec.
const (
	EntryRule    = "herald.rule"
	EntryOutcome = "herald.outcome"
)

// Expectation is a known failure of the server under test.
type Expectation struct {
	Reason string
	Link   string
}

// Policy is how failures are judged in this run.
type Policy struct {
	// Expected maps spec IDs (or rule IDs, covering every room version) to
	// the server's known failures.
	Expected map[string]Expectation
	// Strict ignores expectations; specs also tighten what they accept
	// where the spec's text is stricter than deployed practice.
	Strict bool
}

var (
	policyMu sync.RWMutex
	policy   Policy
)

// SetPolicy sets how this process judges failures (the suite does it once).
func SetPolicy(p Policy) {
	policyMu.Lock()
	defer policyMu.Unlock()
	policy = p
}

// Strict reports whether this run holds to the spec's text everywhere.
func Strict() bool {
	policyMu.RLock()
	defer policyMu.RUnlock()
	return policy.Strict
}

func expectation(specID string) (Expectation, bool) {
	policyMu.RLock()
	defer policyMu.RUnlock()
	if policy.Strict {
		return Expectation{}, false
	}
	if e, ok := policy.Expected[specID]; ok {
		return e, true
	}
	if r, ok := Lookup(specID); ok && r.ID != specID {
		e, ok := policy.Expected[r.ID]
		return e, ok
	}
	return Expectation{}, false
}

// check runs a spec body under the run's policy and records its outcome.
func check(ctx ginkgo.SpecContext, r Rule, specID string, body func()) {
	ginkgo.AddReportEntry(EntryRule, ginkgo.ReportEntryVisibilityFailureOrVerbose,
		fmt.Sprintf("%s — the spec requires: %s", specID, r.Requirement()))
	exp, expected := expectation(specID)
	if !expected && r.Level != MAY {
		body() // failures propagate as usual
		record(Pass, "")
		return
	}
	err := gomega.InterceptGomegaFailure(body)
	class, _ := Judge(r.Level, expected, err)
	switch class {
	case ExpectedFail:
		record(class, fmt.Sprintf("known failure (%s): %s", exp.Reason, err))
	case UnexpectedPass:
		record(class, "")
		ginkgo.Fail(fmt.Sprintf("%s passed, but the expectations file says it fails (%q): remove the stale entry", specID, exp.Reason))
	case NotDone:
		record(class, fmt.Sprintf("the server does not do what %s allows (%s): %s", r.ID, r.Section, err))
	case Fail:
		ginkgo.Fail(err.Error())
	default:
		record(class, "")
	}
}

// Judge classifies a spec's result. A failure of a MUST or SHOULD rule fails
// the run unless it is expected; an expected failure that does not happen
// fails it too, so stale expectations get noticed; a MAY rule is reported
// either way and never fails the run.
func Judge(level Level, expected bool, err error) (class string, failsRun bool) {
	switch {
	case expected && err != nil:
		return ExpectedFail, false
	case expected:
		return UnexpectedPass, true
	case err != nil && level == MAY:
		return NotDone, false
	case err != nil:
		return Fail, true
	default:
		return Pass, false
	}
}

func record(class, detail string) {
	value := class
	if detail != "" {
		value += ": " + detail
	}
	ginkgo.AddReportEntry(EntryOutcome, ginkgo.ReportEntryVisibilityFailureOrVerbose, value)
}

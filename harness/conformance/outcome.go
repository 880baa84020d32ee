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

// judges are what AtEnd registered for the spec running in this process
// (Ginkgo runs one spec at a time per process); nil outside one.
var (
	judgesMu sync.Mutex
	judges   *[]func()
)

// AtEnd registers judge to run when the current spec's body has passed,
// inside its outcome: a Gomega failure in it fails the spec as one in the
// body would, so a known failure listed in the expectations file covers it
// too. The mocks register their check that nothing the homeserver sent
// them was wrong. Outside a spec of this package it registers nothing and
// returns false.
func AtEnd(judge func()) bool {
	judgesMu.Lock()
	defer judgesMu.Unlock()
	if judges == nil {
		return false
	}
	*judges = append(*judges, judge)
	return true
}

// withJudges runs body, then, if it passed, every judge registered meanwhile.
func withJudges(body func()) func() {
	return func() {
		registered := []func(){}
		judgesMu.Lock()
		judges = &registered
		judgesMu.Unlock()
		defer func() {
			judgesMu.Lock()
			judges = nil
			judgesMu.Unlock()
		}()
		body()
		for _, judge := range registered {
			judge()
		}
	}
}

// check runs a spec body under the run's policy and records its outcome.
func check(ctx ginkgo.SpecContext, r Rule, specID string, body func()) {
	ginkgo.AddReportEntry(EntryRule, ginkgo.ReportEntryVisibilityFailureOrVerbose,
		fmt.Sprintf("%s — the spec requires: %s", specID, r.Requirement()))
	body = withJudges(body)
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

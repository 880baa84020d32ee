package conformance

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"herald/harness/fingerprint"
)

// Outcome classes a spec can end in.
const (
	Pass           = "pass"
	Fail           = "fail"
	ExpectedFail   = "expected-fail"
	UnexpectedPass = "unexpected-pass"
	// Changed is an expected failure that failed differently from the
	// fingerprint the expectations file recorded: it fails the run.
	Changed = "changed"
	// NotDone is a MAY rule the server chose not to follow: reported, never a failure.
	NotDone = "not-done"
)

// Severities of a known failure, as the expectations file names them.
const (
	// Security: a forged or unauthenticated request is accepted, or a
	// signature or hash goes unchecked.
	Security = "security"
	Must     = "must"
	Should   = "should"
)

// Severities lists the severities an expectation may name.
var Severities = []string{Security, Must, Should}

// Report entry names the suites attach to every spec.
const (
	EntryRule    = "herald.rule"
	EntryOutcome = "herald.outcome"
)

// Policy is how failures are judged in this run.
type Policy struct {
	// Expected maps spec IDs (or rule IDs, covering the room versions their
	// Observed lists) to the server's known failures; an expectation covers
	// only the specs it recorded a failure for.
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

// SameFailure reports whether observed is the failure recorded: recorded is
// one fingerprint, or several a server is known to alternate between, one
// per line (the expectations file lists them).
func SameFailure(recorded, observed string) bool {
	for _, fp := range strings.Split(recorded, "\n") {
		if fp == observed {
			return true
		}
	}
	return false
}

// expectation finds the known failure covering specID and the fingerprint
// recorded for it.
func expectation(specID string) (e Expectation, recorded string, ok bool) {
	policyMu.RLock()
	defer policyMu.RUnlock()
	if policy.Strict {
		return Expectation{}, "", false
	}
	e, ok = policy.Expected[specID]
	if !ok {
		if r, known := Lookup(specID); known && r.ID != specID {
			e, ok = policy.Expected[r.ID]
		}
	}
	if !ok {
		return Expectation{}, "", false
	}
	recorded, ok = e.observedBySpec()[specID]
	return e, recorded, ok
}

// Outcome is how one spec ended, as its report entry carries it (and
// report.json keeps it, for reports and for refreshing expectations).
type Outcome struct {
	Class string `json:"class"`
	// Rule is how the rule's own check ended, judged against the
	// expectations; Class differs from it when a guard failed.
	Rule string `json:"rule"`
	// Detail explains the outcome in one paragraph.
	Detail string `json:"detail,omitempty"`
	// Observed is the fingerprint of the rule check's failure.
	Observed string `json:"observed,omitempty"`
	// Recorded is the fingerprint the expectations file holds for the spec.
	Recorded string `json:"recorded,omitempty"`
	// Guards lists the guards that failed, each "name: message".
	Guards []string `json:"guards,omitempty"`
	// Held lists the guards that ran and held.
	Held []string `json:"held,omitempty"`
	// From the expectation entry, for an expected spec.
	Severity string `json:"severity,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Link     string `json:"link,omitempty"`
	// From the rule.
	Level   string `json:"level"`
	Section string `json:"section"`
}

// String is "class: detail", how the outcome reads in a report.
func (o Outcome) String() string {
	if o.Detail == "" {
		return o.Class
	}
	return o.Class + ": " + o.Detail
}

// ReadOutcome reads a spec's outcome back from its report entries (live, or
// read back from report.json).
func ReadOutcome(entries types.ReportEntries) (Outcome, bool) {
	for _, e := range entries {
		if e.Name != EntryOutcome {
			continue
		}
		if o, ok := e.GetRawValue().(Outcome); ok {
			return o, true
		}
		var o Outcome
		if err := json.Unmarshal([]byte(e.Value.AsJSON), &o); err == nil && o.Class != "" {
			return o, true
		}
		class, detail, _ := strings.Cut(e.StringRepresentation(), ": ")
		return Outcome{Class: class, Rule: class, Detail: detail}, true
	}
	return Outcome{}, false
}

// guards collects the guards of the spec running on this process (a
// process runs one spec at a time).
var (
	guardsMu sync.Mutex
	guards   *[]guard
)

type guard struct {
	name  string
	check func()
}

// Guard registers a check beside the rule's own: the server stays
// healthy, answers no 5xx, leaks nothing to the invitee, loses no data.
// It runs when the spec body ends, also after the rule's check failed
// (so register it before asserting the rule), and its failure fails the
// run whatever the expectations say. Call it from a conformance spec.
func Guard(name string, check func()) {
	guardsMu.Lock()
	defer guardsMu.Unlock()
	if guards == nil {
		panic("conformance.Guard called outside a conformance spec")
	}
	*guards = append(*guards, guard{name, check})
}

// everySpec are the guards every conformance spec of this process runs.
var everySpec []guard

// GuardEverySpec registers a guard that every conformance spec runs after
// its own (the suite registers the homeserver's health). Call it before
// the specs run.
func GuardEverySpec(name string, check func()) {
	guardsMu.Lock()
	defer guardsMu.Unlock()
	everySpec = append(everySpec, guard{name, check})
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

// collectJudges starts collecting the judges AtEnd registers; runJudges
// runs them in order, and stop ends the collection.
func collectJudges() (runJudges, stop func()) {
	registered := []func(){}
	judgesMu.Lock()
	judges = &registered
	judgesMu.Unlock()
	runJudges = func() {
		for _, judge := range registered {
			judge()
		}
	}
	stop = func() {
		judgesMu.Lock()
		judges = nil
		judgesMu.Unlock()
	}
	return runJudges, stop
}

// withJudges runs body, then, if it passed, every judge registered meanwhile.
func withJudges(body func()) func() {
	return func() {
		runJudges, stop := collectJudges()
		defer stop()
		body()
		runJudges()
	}
}

// check runs a spec body under the run's policy and records its outcome.
func check(ctx ginkgo.SpecContext, r Rule, specID string, body func()) {
	ginkgo.AddReportEntry(EntryRule, ginkgo.ReportEntryVisibilityFailureOrVerbose,
		fmt.Sprintf("%s — the spec requires: %s", specID, r.Requirement()))
	// The judges of the spec's mocks close them: they run after the guards,
	// which may still talk to a mock, and count as the rule's own check.
	runJudges, stop := collectJudges()
	defer stop()
	o, failure := evaluate(r, specID, body, runJudges)
	ginkgo.AddReportEntry(EntryOutcome, ginkgo.ReportEntryVisibilityFailureOrVerbose, o)
	if failure != "" {
		ginkgo.Fail(failure)
	}
}

// evaluate runs the body, then its guards, and judges both: the rule's
// check against the expectations, the guards never. It returns the
// outcome and, when the spec fails the run, the failure message, which
// ends with what the rule requires (its section and what it says).
// Judges (after) run once the guards have, and their failure is the rule
// check's when the body passed.
func evaluate(r Rule, specID string, body func(), after ...func()) (Outcome, string) {
	var registered []guard
	guardsMu.Lock()
	guards = &registered
	guardsMu.Unlock()
	defer func() {
		guardsMu.Lock()
		guards = nil
		guardsMu.Unlock()
	}()

	failure := intercept(body)
	guardsMu.Lock()
	run := append(append([]guard(nil), registered...), everySpec...)
	guardsMu.Unlock()
	var broken, held []string
	for _, g := range run {
		if msg := intercept(g.check); msg != "" {
			broken = append(broken, g.name+": "+msg)
		} else {
			held = append(held, g.name)
		}
	}
	for _, judge := range after {
		if failure == "" {
			failure = intercept(judge)
		}
	}

	exp, recorded, expected := expectation(specID)
	observed := ""
	if failure != "" {
		// The check's own words name the failure; every failure of the
		// rule's check then says what the spec requires, here and only here.
		observed = fingerprint.Of(failure)
		failure += "\n" + r.required()
	}
	class, fails := Judge(r.Level, expected, failure != "", SameFailure(recorded, observed))
	o := Outcome{Class: class, Rule: class, Observed: observed, Held: held, Level: string(r.Level), Section: r.Section}
	if expected {
		o.Recorded, o.Severity, o.Reason, o.Link = recorded, exp.Severity, exp.Reason, exp.Link
	}
	var msg string
	switch class {
	case ExpectedFail:
		o.Detail = fmt.Sprintf("expected failure: %s — observed: %s", exp.Reason, observed)
	case NotDone:
		o.Detail = fmt.Sprintf("MAY not done: the server does not do what %s allows (%s) — observed: %s", r.ID, r.Section, observed)
	case Changed:
		o.Detail = fmt.Sprintf("%s fails differently from its expectation: recorded %q, observed %q (expected failure: %s)", specID, recorded, observed, exp.Reason)
		msg = o.Detail + "\n\n" + failure
	case UnexpectedPass:
		o.Detail = fmt.Sprintf("%s passed, but the expectations file says it fails (%s): remove the stale entry (make expectations)", specID, exp.Reason)
		msg = o.Detail
	case Fail:
		o.Detail = failure
		msg = failure
	}
	if len(broken) > 0 {
		o.Guards = broken
		o.Class, fails = Fail, true
		g := fmt.Sprintf("guard failed (guards fail the run whatever the expectations say): %s", strings.Join(broken, "\n\nguard failed: "))
		o.Detail = g + "\n\nthe rule's own check: " + Outcome{Class: class, Detail: o.Detail}.String()
		msg = o.Detail
	}
	if !fails {
		msg = ""
	}
	return o, msg
}

// intercept runs f and returns the message of the first Gomega failure in
// it (which ends f), with where it happened, or "" when f passed.
func intercept(f func()) (message string) {
	const stop = "conformance: stop the check"
	gomega.RegisterFailHandler(func(msg string, skip ...int) {
		s := 1
		if len(skip) > 0 {
			s += skip[0]
		}
		message = msg + "\n(at " + types.NewCodeLocation(s).String() + ")"
		panic(stop)
	})
	defer func() {
		gomega.RegisterFailHandler(ginkgo.Fail)
		if e := recover(); e != nil && e != stop {
			panic(e)
		}
	}()
	f()
	return ""
}

// Judge classifies a spec's result. A failure of a MUST or SHOULD rule
// fails the run unless it is expected and fails as recorded (same
// fingerprint); an expected failure that does not happen, or fails
// differently, fails it too, so stale expectations get noticed; a MAY rule
// is reported either way and never fails the run.
func Judge(level Level, expected, failed, asRecorded bool) (class string, failsRun bool) {
	switch {
	case expected && failed && asRecorded:
		return ExpectedFail, false
	case expected && failed:
		return Changed, true
	case expected:
		return UnexpectedPass, true
	case failed && level == MAY:
		return NotDone, false
	case failed:
		return Fail, true
	default:
		return Pass, false
	}
}

package conformance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/onsi/gomega"

	"herald/harness/fingerprint"
)

// answer fails like a response matcher does: a message stating the
// answer's fingerprint.
func answer(status int, errcode string) {
	gomega.Expect(status).To(gomega.Equal(200), "the server must accept\n"+fingerprint.Prefix+fmt.Sprintf("status %d %s", status, errcode))
}

func expecting(t *testing.T, specID, reason, recorded string) {
	t.Helper()
	SetPolicy(NewPolicy([]Expectation{{
		ID: specID, Reason: reason, Severity: Must, Observed: Observed{One: recorded},
	}}, false))
	t.Cleanup(func() { SetPolicy(Policy{}) })
}

func evaluating(t *testing.T, r Rule, body func()) (Outcome, string) {
	t.Helper()
	gomega.RegisterTestingT(t)
	return evaluate(r, r.ID, body)
}

var (
	evalRule = Rule{ID: "TEST-EVAL", Level: MUST, Area: "errors", Section: "§Test", Says: "answers 200"}
	_        = func() bool { register(evalRule); registerSpecID(evalRule.ID, evalRule); return true }()
)

func TestAFailureAsRecordedIsExpected(t *testing.T) {
	expecting(t, "TEST-EVAL", "answers 400 M_UNSUPPORTED_ROOM_VERSION", "status 400 M_UNSUPPORTED_ROOM_VERSION")
	o, failure := evaluating(t, evalRule, func() { answer(400, "M_UNSUPPORTED_ROOM_VERSION") })
	if o.Class != ExpectedFail || failure != "" {
		t.Fatalf("outcome %+v, failure %q", o, failure)
	}
	if o.Detail != "expected failure: answers 400 M_UNSUPPORTED_ROOM_VERSION — observed: status 400 M_UNSUPPORTED_ROOM_VERSION" {
		t.Errorf("detail = %q", o.Detail)
	}
	if o.Severity != Must {
		t.Errorf("severity = %q", o.Severity)
	}
}

// A fake outcome: the server that answered 400 M_UNSUPPORTED_ROOM_VERSION
// now answers 500. The spec is still failing, but not as recorded.
func TestAFailureOtherThanRecordedIsChangedAndFailsTheRun(t *testing.T) {
	expecting(t, "TEST-EVAL", "answers 400 M_UNSUPPORTED_ROOM_VERSION", "status 400 M_UNSUPPORTED_ROOM_VERSION")
	o, failure := evaluating(t, evalRule, func() { answer(500, "M_UNKNOWN") })
	if o.Class != Changed || failure == "" {
		t.Fatalf("outcome %+v, failure %q", o, failure)
	}
	for _, want := range []string{`recorded "status 400 M_UNSUPPORTED_ROOM_VERSION"`, `observed "status 500 M_UNKNOWN"`, "the server must accept"} {
		if !strings.Contains(failure, want) {
			t.Errorf("failure lacks %q:\n%s", want, failure)
		}
	}
	if o.Recorded != "status 400 M_UNSUPPORTED_ROOM_VERSION" || o.Observed != "status 500 M_UNKNOWN" {
		t.Errorf("fingerprints: %+v", o)
	}
}

func TestAnExpectedSpecThatPassesFailsTheRun(t *testing.T) {
	expecting(t, "TEST-EVAL", "answers 400", "status 400 M_UNKNOWN")
	o, failure := evaluating(t, evalRule, func() { answer(200, "") })
	if o.Class != UnexpectedPass || !strings.Contains(failure, "remove the stale entry") {
		t.Fatalf("outcome %+v, failure %q", o, failure)
	}
}

// The split: the rule's own check is expected to fail (and does, as
// recorded), the guard registered before it breaks. The guard still runs
// after the rule's check stopped the body, and fails the run.
func TestAGuardRunsAndFailsAnExpectedFailSpec(t *testing.T) {
	expecting(t, "TEST-EVAL", "answers 400", "status 400 M_FORBIDDEN")
	ran, after := false, false
	o, failure := evaluating(t, evalRule, func() {
		Guard("the server still serves", func() {
			ran = true
			gomega.Expect("502 Bad Gateway").To(gomega.Equal("200 OK"), "a valid invite after the refused one")
		})
		answer(400, "M_FORBIDDEN")
		after = true
	})
	if !ran || after {
		t.Fatalf("guard ran %v, body went on after the failed check %v", ran, after)
	}
	if o.Class != Fail || o.Rule != ExpectedFail || failure == "" {
		t.Fatalf("outcome %+v, failure %q", o, failure)
	}
	for _, want := range []string{"guard failed", "the server still serves", "a valid invite after the refused one", "the rule's own check: expected-fail"} {
		if !strings.Contains(failure, want) {
			t.Errorf("failure lacks %q:\n%s", want, failure)
		}
	}
	if len(o.Guards) != 1 {
		t.Errorf("guards = %v", o.Guards)
	}
}

func TestGuardsThatHoldLeaveTheJudgementToTheRule(t *testing.T) {
	expecting(t, "TEST-EVAL", "answers 400", "status 400 M_FORBIDDEN")
	ran := false
	o, failure := evaluating(t, evalRule, func() {
		Guard("the server still serves", func() { ran = true })
		answer(400, "M_FORBIDDEN")
	})
	if !ran || o.Class != ExpectedFail || failure != "" || len(o.Held) != 1 {
		t.Fatalf("ran %v, outcome %+v, failure %q", ran, o, failure)
	}
	// And without an expectation, a passing rule with a broken guard fails.
	SetPolicy(Policy{})
	o, failure = evaluating(t, evalRule, func() {
		Guard("no 5xx", func() { gomega.Expect(500).To(gomega.BeNumerically("<", 500)) })
	})
	if o.Class != Fail || o.Rule != Pass || failure == "" {
		t.Fatalf("outcome %+v, failure %q", o, failure)
	}
}

func TestGuardOutsideASpecPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Guard outside a spec was accepted")
		}
	}()
	Guard("x", func() {})
}

func TestFailureCarriesItsLocation(t *testing.T) {
	o, failure := evaluating(t, evalRule, func() { answer(500, "M_UNKNOWN") })
	if o.Class != Fail || !strings.Contains(failure, "evaluate_test.go:") {
		t.Errorf("outcome %+v, failure %q", o, failure)
	}
}

func TestGuardsForEverySpecRunAfterTheSpecsOwn(t *testing.T) {
	var order []string
	GuardEverySpec("the homeserver still answers", func() { order = append(order, "every") })
	t.Cleanup(func() { everySpec = nil })
	evaluating(t, evalRule, func() {
		Guard("own", func() { order = append(order, "own") })
	})
	if strings.Join(order, ",") != "own,every" {
		t.Errorf("guards ran in the order %v", order)
	}
}

// A mock's judge closes it, so it runs after the guards (which may still
// send through the mock), and its failure is the rule check's.
func TestJudgesRunAfterGuardsAndCountAsTheRule(t *testing.T) {
	gomega.RegisterTestingT(t)
	closed := false
	o, failure := evaluate(evalRule, evalRule.ID, func() {
		Guard("the mock is still open", func() {
			gomega.Expect(closed).To(gomega.BeFalse(), "the guard ran after the mock was closed")
		})
	}, func() {
		closed = true
		gomega.Expect([]string{"a problem"}).To(gomega.BeEmpty(), "what the homeserver sent the mock")
	})
	if len(o.Guards) != 0 {
		t.Errorf("guards failed: %v", o.Guards)
	}
	if o.Class != Fail || !strings.Contains(failure, "what the homeserver sent the mock") {
		t.Errorf("outcome %q, failure %q: want the judge's problem as the rule's failure", o.Class, failure)
	}
}

// Every failure of the rule's check, the body's or a judge's, ends with
// what the rule requires and where the spec says so; the fingerprint is
// read from the check's own words, so the requirement never changes it.
func TestAFailureEndsWithWhatTheSpecRequires(t *testing.T) {
	requires := "\nThe spec requires (§Test): the server answers 200."
	gomega.RegisterTestingT(t)
	joinRefused := func() { gomega.Expect(403).To(gomega.Equal(200), "a join of a banned user") }
	problems := func() { gomega.Expect([]string{"a problem"}).To(gomega.BeEmpty(), "what the homeserver sent the mock") }
	for name, c := range map[string]struct {
		check       func()
		body, judge func()
	}{
		"the body": {check: joinRefused, body: joinRefused},
		"a judge":  {check: problems, body: func() {}, judge: problems},
	} {
		var after []func()
		if c.judge != nil {
			after = append(after, c.judge)
		}
		o, failure := evaluate(evalRule, evalRule.ID, c.body, after...)
		if !strings.HasSuffix(failure, requires) || strings.Count(failure, "The spec requires") != 1 {
			t.Errorf("%s: the failure does not end with the requirement, once:\n%s", name, failure)
		}
		own := gomega.InterceptGomegaFailure(c.check)
		if want := fingerprint.Of(own.Error()); o.Observed != want {
			t.Errorf("%s: fingerprint %q, the check's own message gives %q", name, o.Observed, want)
		}
	}
}

// A guard is no part of the rule: its failure does not cite the rule.
func TestAGuardFailureDoesNotCiteTheRule(t *testing.T) {
	gomega.RegisterTestingT(t)
	o, _ := evaluate(evalRule, evalRule.ID, func() {
		Guard("no 5xx", func() { gomega.Expect(500).To(gomega.BeNumerically("<", 500)) })
	})
	if len(o.Guards) != 1 || strings.Contains(o.Guards[0], "The spec requires") {
		t.Errorf("guards = %q", o.Guards)
	}
}

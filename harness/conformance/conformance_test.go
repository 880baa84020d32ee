package conformance

import (
	"errors"
	"strings"
	"testing"
)

func TestJudge(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		level    Level
		expected bool
		err      error
		class    string
		fails    bool
	}{
		{MUST, false, nil, Pass, false},
		{MUST, false, boom, Fail, true},
		{SHOULD, false, boom, Fail, true},
		{MAY, false, boom, NotDone, false},
		{MAY, false, nil, Pass, false},
		{MUST, true, boom, ExpectedFail, false},
		{MUST, true, nil, UnexpectedPass, true},
		{MAY, true, nil, UnexpectedPass, true},
	}
	for _, c := range cases {
		class, fails := Judge(c.level, c.expected, c.err)
		if class != c.class || fails != c.fails {
			t.Errorf("Judge(%s, expected=%v, err=%v) = %s, %v; want %s, %v", c.level, c.expected, c.err, class, fails, c.class, c.fails)
		}
	}
}

func TestExpectationsCoverVersionsAndStrictIgnoresThem(t *testing.T) {
	r := Rule{ID: "TEST-EXP", Level: MUST, Area: "errors", Section: "s", Says: "x"}
	register(r)
	registerSpecID("TEST-EXP/v3", r)
	registerSpecID("TEST-EXP/v4", r)
	SetPolicy(Policy{Expected: map[string]Expectation{"TEST-EXP": {Reason: "all versions"}, "TEST-EXP/v4": {Reason: "v4 only"}}})
	if e, ok := expectation("TEST-EXP/v3"); !ok || e.Reason != "all versions" {
		t.Errorf("a rule-level entry does not cover its versions: %v %v", e, ok)
	}
	if e, ok := expectation("TEST-EXP/v4"); !ok || e.Reason != "v4 only" {
		t.Errorf("a version entry lost to the rule entry: %v %v", e, ok)
	}
	SetPolicy(Policy{Strict: true, Expected: map[string]Expectation{"TEST-EXP": {Reason: "x"}}})
	if _, ok := expectation("TEST-EXP/v3"); ok || !Strict() {
		t.Error("strict mode still honours expectations")
	}
	SetPolicy(Policy{})
}

func TestRegisterRefusesBadRules(t *testing.T) {
	bad := []Rule{
		{ID: "lower-case", Level: MUST, Area: "a", Section: "s", Says: "x"},
		{ID: "NO-LEVEL", Area: "a", Section: "s", Says: "x"},
		{ID: "NO-SECTION", Level: MUST, Area: "a", Says: "x"},
		{ID: "TEST-DUP", Level: MUST, Area: "a", Section: "s", Says: "x"},
		{ID: "42-DIGITS", Level: MUST, Area: "a", Section: "s", Says: "x"},
	}
	register(bad[3])
	for _, r := range bad {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("rule %+v was accepted", r)
				}
			}()
			register(r)
		}()
	}
}

func TestTitlesCarryParsableIDs(t *testing.T) {
	r := Rule{ID: "INV2-SIGN", Level: MUST, Area: "invite-v2", Section: "§Inviting", Says: "adds its signature"}
	if got := IDOf("Inbound v2 " + r.Title()); got != "INV2-SIGN" {
		t.Errorf("IDOf(title) = %q", got)
	}
	if got := IDOf("INV2-SIGN: adds its signature [INV2-SIGN/v12] room version 12"); got != "INV2-SIGN/v12" {
		t.Errorf("IDOf(table entry) = %q", got)
	}
	if got := IDOf("Joins [3PID-JOIN/v11] room version 11"); got != "3PID-JOIN/v11" {
		t.Errorf("IDOf(an ID starting with digits) = %q", got)
	}
	register(Rule{ID: "3PID-TEST", Level: MUST, Area: "a", Section: "s", Says: "x"})
	if IDOf("no id here [12] [1]") != "" {
		t.Error("found an ID in plain text")
	}
	if !strings.Contains(r.Requirement(), "MUST") {
		t.Errorf("requirement = %q", r.Requirement())
	}
}

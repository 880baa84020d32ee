package conformance

import (
	"strings"
	"testing"
)

func TestJudge(t *testing.T) {
	cases := []struct {
		level                        Level
		expected, failed, asRecorded bool
		class                        string
		fails                        bool
	}{
		{MUST, false, false, false, Pass, false},
		{MUST, false, true, false, Fail, true},
		{SHOULD, false, true, false, Fail, true},
		{MAY, false, true, false, NotDone, false},
		{MAY, false, false, false, Pass, false},
		{MUST, true, true, true, ExpectedFail, false},
		{MUST, true, true, false, Changed, true},
		{MUST, true, false, false, UnexpectedPass, true},
		{MAY, true, false, false, UnexpectedPass, true},
	}
	for _, c := range cases {
		class, fails := Judge(c.level, c.expected, c.failed, c.asRecorded)
		if class != c.class || fails != c.fails {
			t.Errorf("Judge(%s, expected=%v, failed=%v, as recorded=%v) = %s, %v; want %s, %v", c.level, c.expected, c.failed, c.asRecorded, class, fails, c.class, c.fails)
		}
	}
}

func TestExpectationsCoverVersionsAndStrictIgnoresThem(t *testing.T) {
	r := Rule{ID: "TEST-EXP", Level: MUST, Area: "errors", Section: "s", Says: "x"}
	register(r)
	for _, v := range []string{"3", "4", "5"} {
		registerSpecID("TEST-EXP/v"+v, r)
	}
	SetPolicy(NewPolicy([]Expectation{
		{ID: "TEST-EXP", Reason: "all versions", Observed: Observed{Versions: map[string]string{"v3": "status 500 M_UNKNOWN", "v4": "x"}}},
		{ID: "TEST-EXP/v4", Reason: "v4 only", Observed: Observed{One: "status 400 M_FORBIDDEN"}},
	}, false))
	if e, fp, ok := expectation("TEST-EXP/v3"); !ok || e.Reason != "all versions" || fp != "status 500 M_UNKNOWN" {
		t.Errorf("a rule-level entry does not cover its versions: %v %q %v", e, fp, ok)
	}
	if e, fp, ok := expectation("TEST-EXP/v4"); !ok || e.Reason != "v4 only" || fp != "status 400 M_FORBIDDEN" {
		t.Errorf("a version entry lost to the rule entry: %v %q %v", e, fp, ok)
	}
	if _, _, ok := expectation("TEST-EXP/v5"); ok {
		t.Error("a rule-level entry covers a version it recorded no failure for")
	}
	SetPolicy(NewPolicy([]Expectation{{ID: "TEST-EXP", Reason: "x", Observed: Observed{Versions: map[string]string{"v3": "x"}}}}, true))
	if _, _, ok := expectation("TEST-EXP/v3"); ok || !Strict() {
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

package match

import (
	"testing"

	"herald/harness/matrix"
)

// A judged matcher reports the verdict of its last judgement, whichever
// way it went; a value it cannot read is an error, judged by no one, and
// leaves the last verdict as it was.
func TestJudgedReportsItsLastVerdict(t *testing.T) {
	judgements := 0
	m := answerMatcher(func(a answer) verdict {
		judgements++
		return verdict{holds: a.status == 200, failure: "failed on " + a.exchange, negated: "held on " + a.exchange}
	})
	for _, c := range []struct {
		status int
		holds  bool
	}{{200, true}, {404, false}} {
		res := response(c.status, `{}`)
		ok, err := m.Match(res)
		if err != nil || ok != c.holds {
			t.Fatalf("Match(status %d) = %v, %v; want %v", c.status, ok, err, c.holds)
		}
		if got, want := m.FailureMessage(res), "failed on "+res.GomegaString(); got != want {
			t.Errorf("failure message = %q, want %q", got, want)
		}
		if got, want := m.NegatedFailureMessage(res), "held on "+res.GomegaString(); got != want {
			t.Errorf("negated failure message = %q, want %q", got, want)
		}
	}
	last := m.FailureMessage(nil)
	if _, err := m.Match("not an answer"); err == nil {
		t.Error("a string was judged as an answer")
	}
	if judgements != 2 {
		t.Errorf("the judge ran %d times, want 2 (not on what answerOf refuses)", judgements)
	}
	if got := m.FailureMessage(nil); got != last {
		t.Errorf("a refused value changed the last verdict: %q, was %q", got, last)
	}

	objects := objectMatcher(func(matrix.Object) verdict {
		t.Error("the judge ran on what objectOf refuses")
		return verdict{}
	})
	if _, err := objects.Match(42); err == nil {
		t.Error("a number was judged as an object")
	}
}

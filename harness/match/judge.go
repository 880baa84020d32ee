package match

import (
	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// A verdict is a judge's finding on one value: whether the rule holds for
// it, and both messages Gomega may ask for: failure when the value was
// expected to hold and does not (To, Should), negated when it was expected
// not to hold and does (NotTo, ShouldNot).
type verdict struct {
	holds            bool
	failure, negated string
}

// judged is a matcher that is nothing but its rule: judge reads actual
// (refusing what it cannot read with an error) and returns its verdict,
// which the failure messages then report. answerMatcher and objectMatcher
// build them; a matcher whose reading or judging does not fit one such
// function (lists of events, matchers other matchers reuse) keeps its own
// type.
type judged struct {
	judge func(actual any) (verdict, error)
	last  verdict
}

func (m *judged) Match(actual any) (bool, error) {
	v, err := m.judge(actual)
	if err != nil {
		return false, err
	}
	m.last = v
	return v.holds, nil
}

func (m *judged) FailureMessage(any) string { return m.last.failure }

func (m *judged) NegatedFailureMessage(any) string { return m.last.negated }

// answerMatcher judges an Answer, read with answerOf.
func answerMatcher(judge func(answer) verdict) types.GomegaMatcher {
	return &judged{judge: func(actual any) (verdict, error) {
		a, err := answerOf(actual)
		if err != nil {
			return verdict{}, err
		}
		return judge(a), nil
	}}
}

// objectMatcher judges a JSON object (an event, usually), read with
// objectOf.
func objectMatcher(judge func(matrix.Object) verdict) types.GomegaMatcher {
	return &judged{judge: func(actual any) (verdict, error) {
		obj, err := objectOf(actual)
		if err != nil {
			return verdict{}, err
		}
		return judge(obj), nil
	}}
}

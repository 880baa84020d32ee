package conformance

import (
	"testing"

	"github.com/onsi/gomega"
)

// TestAtEndJudgesInsideTheOutcome: a judge registered during a spec's body
// runs when the body passes, and its failure is the body's (so an
// expectation covers it); outside a spec nothing is registered.
func TestAtEndJudgesInsideTheOutcome(t *testing.T) {
	gomega.RegisterFailHandler(func(message string, _ ...int) { panic(message) })
	if AtEnd(func() {}) {
		t.Error("AtEnd took a judge outside a spec")
	}
	ran := false
	err := gomega.InterceptGomegaFailure(withJudges(func() {
		AtEnd(func() { ran = true; gomega.Expect([]string{"a problem"}).To(gomega.BeEmpty()) })
	}))
	if !ran || err == nil {
		t.Errorf("the judge ran: %t; its failure reached the outcome: %v", ran, err)
	}
	ran = false
	err = gomega.InterceptGomegaFailure(withJudges(func() {
		AtEnd(func() { ran = true })
		gomega.Expect(1).To(gomega.Equal(2))
	}))
	if ran || err == nil {
		t.Errorf("after a failed body the judge ran: %t (want false); the body's failure: %v", ran, err)
	}
	if AtEnd(func() {}) {
		t.Error("AtEnd took a judge after the spec ended")
	}
}

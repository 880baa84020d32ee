package mockhttp

import (
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
)

// judged is a mock's Server, which embeds Mock.
type judged interface{ judgeAtEnd(at types.CodeLocation) }

// StartInSpec starts a mock for the current Ginkgo spec with start (which
// must not fail) and registers its end: the mock is closed when the spec
// ends; then, if the spec failed, the journal has problems or Ginkgo runs
// verbosely, the transcript is added to the spec's report; and unless the
// mock allows problems the spec fails on any: when its body ends, through
// the JudgedBy registrar if one was given and accepts (so the spec's
// outcome covers it), else after it. Both run in the spec goroutine, never
// in the server's. noun names the mock in the error of a failed start.
func StartInSpec[M judged](noun string, start func() (M, error)) M {
	ginkgo.GinkgoHelper()
	at := types.NewCodeLocation(1) // failures point at the spec that made the mock
	m, err := start()
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "starting "+noun)
	m.judgeAtEnd(at)
	return m
}

func (m *Mock[R, E, Q]) judgeAtEnd(at types.CodeLocation) {
	judged := false
	if !m.settings.AllowProblems && m.settings.JudgedBy != nil {
		judged = m.settings.JudgedBy(m.Judge)
	}
	// DeferCleanup runs last-in first-out: Close first, then the checks,
	// so they see every request the server ever answered.
	ginkgo.DeferCleanup(func() {
		problems := m.Journal.Problems()
		_, reporter := ginkgo.GinkgoConfiguration()
		if ginkgo.CurrentSpecReport().Failed() || len(problems) > 0 || reporter.Verbose || reporter.VeryVerbose {
			ginkgo.AddReportEntry(m.kind.Transcript+" of "+m.name, m.Journal.Transcript(), ginkgo.ReportEntryVisibilityFailureOrVerbose)
		}
		if !m.settings.AllowProblems && !judged {
			m.expectNoProblems(problems)
		}
	}, at)
	ginkgo.DeferCleanup(m.Close, at)
}

// Judge closes the mock, so that it has answered every request it ever
// will, and fails the current spec, through Gomega, if its journal has
// problems. StartInSpec has it run at the end of the spec.
func (m *Mock[R, E, Q]) Judge() {
	m.Close()
	m.expectNoProblems(m.Journal.Problems())
}

func (m *Mock[R, E, Q]) expectNoProblems(problems []Problem) {
	gomega.Expect(problems).To(gomega.BeEmpty(), m.kind.Failure, m.name)
}

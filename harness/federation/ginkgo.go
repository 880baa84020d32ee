package federation

import (
	"context"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
)

// NewServer starts a mock for the current Ginkgo spec (see Start) and
// registers its cleanup: the server is closed when the spec ends; then,
// if the spec failed, the journal has problems or Ginkgo runs verbosely,
// the transcript is added to the spec's report, and unless AllowProblems was given the spec fails
// on any problem: when its body ends, through the JudgedBy registrar if
// one was given and accepts (so the spec's outcome covers it), else after
// it. Both run in the spec goroutine, never in the server's.
func NewServer(ctx context.Context, env Env, opts ...Option) *Server {
	ginkgo.GinkgoHelper()
	at := types.NewCodeLocation(1) // failures point at the spec that made the mock
	s, err := Start(ctx, env, opts...)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "starting the mock remote homeserver")
	// DeferCleanup runs last-in first-out: Close first, then the checks,
	// so they see every request the server ever answered.
	judged := false
	if !s.cfg.allowProblems && s.cfg.judgedBy != nil {
		// Closed first, so the judge sees every request the server ever
		// answered; Close may run again later.
		judged = s.cfg.judgedBy(func() {
			s.Close()
			gomega.Expect(s.Journal.Problems()).To(gomega.BeEmpty(),
				"what the homeserver sent the mock %s failed verification (the transcript is in the report)", s.name)
		})
	}
	ginkgo.DeferCleanup(func() {
		problems := s.Journal.Problems()
		_, reporter := ginkgo.GinkgoConfiguration()
		if ginkgo.CurrentSpecReport().Failed() || len(problems) > 0 || reporter.Verbose || reporter.VeryVerbose {
			ginkgo.AddReportEntry("federation transcript of "+s.name, s.Journal.Transcript(), ginkgo.ReportEntryVisibilityFailureOrVerbose)
		}
		if !s.cfg.allowProblems && !judged {
			gomega.Expect(problems).To(gomega.BeEmpty(),
				"what the homeserver sent the mock %s failed verification (the transcript is in the report)", s.name)
		}
	}, at)
	ginkgo.DeferCleanup(s.Close, at)
	return s
}

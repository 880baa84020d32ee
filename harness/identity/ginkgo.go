package identity

import (
	"context"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
)

// NewServer starts a mock identity server for the current Ginkgo spec
// (see Start) and registers its cleanup: it is closed when the spec ends
// and, if the spec failed or Ginkgo runs verbosely, its transcript is added
// to the spec's report; unless AllowProblems was given, the spec fails on
// any problem in its journal (when its body ends, through JudgedBy if
// given, else after it). Both run in the spec goroutine.
func NewServer(ctx context.Context, env Env, opts ...Option) *Server {
	ginkgo.GinkgoHelper()
	at := types.NewCodeLocation(1)
	s, err := Start(ctx, env, opts...)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "starting the mock identity server")
	judged := false
	if !s.cfg.allowProblems && s.cfg.judgedBy != nil {
		judged = s.cfg.judgedBy(func() {
			s.Close()
			gomega.Expect(s.Journal.Problems()).To(gomega.BeEmpty(),
				"what the homeserver sent the mock identity server %s failed its checks (the transcript is in the report)", s.name)
		})
	}
	ginkgo.DeferCleanup(func() {
		problems := s.Journal.Problems()
		_, reporter := ginkgo.GinkgoConfiguration()
		if ginkgo.CurrentSpecReport().Failed() || len(problems) > 0 || reporter.Verbose || reporter.VeryVerbose {
			ginkgo.AddReportEntry("identity server transcript of "+s.name, s.Journal.Transcript(), ginkgo.ReportEntryVisibilityFailureOrVerbose)
		}
		if !s.cfg.allowProblems && !judged {
			gomega.Expect(problems).To(gomega.BeEmpty(),
				"what the homeserver sent the mock identity server %s failed its checks (the transcript is in the report)", s.name)
		}
	}, at)
	ginkgo.DeferCleanup(s.Close, at)
	return s
}

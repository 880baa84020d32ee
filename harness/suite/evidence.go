package suite

import (
	"context"
	"fmt"
	"time"

	"github.com/onsi/ginkgo/v2"
)

// logEvidenceLimit keeps one spec's log excerpt readable in JUnit.
const logEvidenceLimit = 64 << 10

// Every failed spec carries what the homeserver logged while it ran. The
// cleanup is registered before any spec body runs, so it runs after the
// spec's own cleanups (the mock servers' checks included) and sees their
// verdict.
var _ = ginkgo.BeforeEach(func() {
	start := time.Now()
	ginkgo.DeferCleanup(func() {
		if hs == nil || !ginkgo.CurrentSpecReport().Failed() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		logs, err := hs.Logs(ctx, start.Add(-time.Second))
		if err != nil {
			logs = append(logs, []byte(fmt.Sprintf("\n(reading the log failed: %v)", err))...)
		}
		if len(logs) > logEvidenceLimit {
			logs = append([]byte(fmt.Sprintf("(first %d bytes cut)\n", len(logs)-logEvidenceLimit)), logs[len(logs)-logEvidenceLimit:]...)
		}
		ginkgo.AddReportEntry(fmt.Sprintf("homeserver log (%s, from spec start)", hs.ServerName),
			ginkgo.ReportEntryVisibilityFailureOrVerbose, string(logs))
	})
})

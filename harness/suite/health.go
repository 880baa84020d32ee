package suite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"herald/harness/homeserver"
)

// logEvidenceLimit keeps one spec's log excerpt readable in JUnit.
const logEvidenceLimit = 64 << 10

// A homeserver that an earlier spec found silent is probed again at most
// once per recheckEvery, with recheckTimeout (the first probe waited the full
// request timeout); specs in between fail at once.
const (
	recheckEvery   = 5 * time.Second
	recheckTimeout = 2 * time.Second
)

// outage is what this process knows of its homeserver being down: the
// first spec that found it carries the full evidence (reason and log tail);
// the ones after fail at once with one line pointing there.
var outage struct {
	down    *homeserver.Down
	spec    string
	checked time.Time // the last probe
}

// lastFailed is whether this process's previous spec failed.
var lastFailed bool

// Before every spec the homeserver must run and answer /versions within
// the request timeout. Every failed spec carries what the homeserver logged
// while it ran; the cleanup is registered before any spec body runs, so it
// runs after the spec's own cleanups (the mock servers' checks included)
// and sees their verdict.
var _ = ginkgo.BeforeEach(func(ctx ginkgo.SpecContext) {
	if hs == nil {
		ginkgo.Fail("no homeserver: the suite setup failed")
	}
	checkHealth(ctx)
	start := time.Now()
	ginkgo.DeferCleanup(func() {
		attachLog(start)
		lastFailed = ginkgo.CurrentSpecReport().Failed()
	})
})

// guardHealth is the guard every conformance spec ends with: whatever the
// rule's check found, and whatever the expectations say, the homeserver
// still runs and answers /versions.
func guardHealth() {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeouts.Request+time.Second)
	defer cancel()
	err := hs.Probe(ctx, cfg.Timeouts.Request)
	if err != nil {
		if alive := hs.Alive(ctx); alive != nil {
			err = alive
		}
	}
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "after the spec, %s must still run and answer GET /_matrix/client/versions", hs.ServerName)
}

func checkHealth(ctx context.Context) {
	if d := outage.down; d != nil && (d.Exited || time.Since(outage.checked) < recheckEvery) {
		ginkgo.Fail(fmt.Sprintf("%s (found before %q, whose failure shows its log)", d.Reason, outage.spec))
	}
	timeout := cfg.Timeouts.Request
	if outage.down != nil {
		timeout = recheckTimeout
	}
	var err error
	if lastFailed && outage.down == nil {
		// After a failure, ask the engine first: a server that exited or
		// was paused is known at once, not after another request timeout.
		err = hs.Alive(ctx)
	}
	if err == nil {
		err = hs.Probe(ctx, timeout)
	}
	outage.checked = time.Now()
	var down *homeserver.Down
	switch {
	case err == nil:
		outage.down = nil // a silent server that answers again is back
	case errors.As(err, &down) && outage.down != nil:
		outage.down = down
		ginkgo.Fail(fmt.Sprintf("%s (since before %q, whose failure shows its log)", down.Reason, outage.spec))
	case errors.As(err, &down):
		outage.down, outage.spec = down, ginkgo.CurrentSpecReport().FullText()
		ginkgo.Fail(err.Error())
	default:
		ginkgo.Fail("checking the homeserver: " + err.Error())
	}
}

// attachLog adds the homeserver's log since the spec started to a failed
// spec's report, unless the failure is a known outage already shown.
func attachLog(start time.Time) {
	if hs == nil || !ginkgo.CurrentSpecReport().Failed() {
		return
	}
	if outage.down != nil && outage.spec != ginkgo.CurrentSpecReport().FullText() {
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
}

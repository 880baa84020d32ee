package run

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
type outage struct {
	down    *homeserver.Down
	spec    string
	checked time.Time // the last probe
}

// CheckHealth runs before every spec (a top-level BeforeEach): the
// homeserver must run and answer /versions within the request timeout.
// Every failed spec carries what the homeserver logged while it ran; the
// cleanup is registered before any spec body runs, so it runs after the
// spec's own cleanups (the mock servers' checks included) and sees their
// verdict.
func (p *Process) CheckHealth(ctx ginkgo.SpecContext) {
	if p.hs == nil {
		ginkgo.Fail("no homeserver: the suite setup failed")
	}
	p.checkHealth(ctx)
	start := time.Now()
	ginkgo.DeferCleanup(func() {
		p.attachLog(start)
		p.lastFailed = ginkgo.CurrentSpecReport().Failed()
	})
}

// guardHealth is the guard every conformance spec ends with: whatever the
// rule's check found, and whatever the expectations say, the homeserver
// still runs and answers /versions.
func (p *Process) guardHealth() {
	hs, timeout := p.hs, p.cfg.Timeouts.Request
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Second)
	defer cancel()
	err := hs.Probe(ctx, timeout)
	if err != nil {
		if alive := hs.Alive(ctx); alive != nil {
			err = alive
		}
	}
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "after the spec, %s must still run and answer GET /_matrix/client/versions", hs.ServerName)
}

func (p *Process) checkHealth(ctx context.Context) {
	o := &p.outage
	if d := o.down; d != nil && (d.Exited || time.Since(o.checked) < recheckEvery) {
		ginkgo.Fail(fmt.Sprintf("%s (found before %q, whose failure shows its log)", d.Reason, o.spec))
	}
	timeout := p.cfg.Timeouts.Request
	if o.down != nil {
		timeout = recheckTimeout
	}
	var err error
	if p.lastFailed && o.down == nil {
		// After a failure, ask the engine first: a server that exited or
		// was paused is known at once, not after another request timeout.
		err = p.hs.Alive(ctx)
	}
	if err == nil {
		err = p.hs.Probe(ctx, timeout)
	}
	o.checked = time.Now()
	var down *homeserver.Down
	switch {
	case err == nil:
		o.down = nil // a silent server that answers again is back
	case errors.As(err, &down) && o.down != nil:
		o.down = down
		ginkgo.Fail(fmt.Sprintf("%s (since before %q, whose failure shows its log)", down.Reason, o.spec))
	case errors.As(err, &down):
		o.down, o.spec = down, ginkgo.CurrentSpecReport().FullText()
		ginkgo.Fail(err.Error())
	default:
		ginkgo.Fail("checking the homeserver: " + err.Error())
	}
}

// attachLog adds the homeserver's log since the spec started to a failed
// spec's report, unless the failure is a known outage already shown.
func (p *Process) attachLog(start time.Time) {
	hs := p.hs
	if hs == nil || !ginkgo.CurrentSpecReport().Failed() {
		return
	}
	if p.outage.down != nil && p.outage.spec != ginkgo.CurrentSpecReport().FullText() {
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

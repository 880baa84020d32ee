package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"herald/harness/homeserver"
)

// TeardownTimeout bounds each process's teardown (and process 1's sweep
// after it), which must finish even after an interrupt.
const TeardownTimeout = 60 * time.Second

// SaveDiagnostics runs on every process after its last spec (also after an
// interrupt), before RemoveHomeserver: it keeps the homeserver's log, notes
// where the server's state sat, and prints the server's CPU time.
func (p *Process) SaveDiagnostics(ctx context.Context) {
	hs := p.hs
	if hs == nil {
		return
	}
	saveLog(ctx, hs, p.cfg.ReportPath(), ginkgo.GinkgoParallelProcess())
	hintCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	hint, err := hs.OverlayHint(hintCtx)
	stop()
	if err == nil && hint != "" {
		// Every process finds the same; the report prints it once.
		os.WriteFile(filepath.Join(p.cfg.ReportPath(), storageNoteFile), []byte(hint+"\n"), 0o644)
	}
	if cpu, err := hs.CPUTime(ctx); err == nil { // read by herald bench
		fmt.Fprintf(ginkgo.GinkgoWriter, "%s used %s of CPU\n", hs.ServerName, cpu.Round(time.Millisecond))
	}
}

// RemoveHomeserver removes this process's homeserver container, after
// SaveDiagnostics.
func (p *Process) RemoveHomeserver(ctx context.Context) {
	if p.hs == nil {
		return
	}
	gomega.Expect(p.hs.Remove(ctx)).To(gomega.Succeed(), "removing the homeserver container")
}

// RemoveNetwork runs on process 1 after every process finished, and also
// sweeps anything of this run a crashed process left. It sweeps killed
// runs once more too: a create a run had in flight when it was killed can
// complete in the engine after this run's first sweep.
func (p *Process) RemoveNetwork(ctx context.Context) {
	if p.runID == "" {
		return
	}
	_, err := p.engine.SweepRun(ctx, p.runID)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "removing this run's containers and network")
	_, err = p.engine.SweepOrphans(ctx)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "removing leftovers of killed runs")
}

// saveLog keeps the homeserver's whole log in the report directory.
func saveLog(ctx context.Context, hs *homeserver.Homeserver, dir string, proc int) {
	logs, err := hs.Logs(ctx, time.Time{})
	if err != nil {
		fmt.Fprintln(ginkgo.GinkgoWriter, "saving homeserver log:", err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err == nil {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("homeserver-%d.log", proc)), logs, 0o644)
	}
}

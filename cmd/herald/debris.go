package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"herald/harness/config"
	"herald/harness/docker"
	"herald/harness/report"
)

// Limits of the debris check: a run must reach a moment, and end after a
// signal, within these.
const (
	reachLimit  = 3 * time.Minute
	exitLimit   = 90 * time.Second
	pollEvery   = 50 * time.Millisecond
	runningDots = 20 // finished specs that make a run "running"
)

// moment is when a signal reaches a run.
type moment struct {
	name    string
	reached func(s runState) bool
}

var (
	atStart   = moment{"start", func(s runState) bool { return len(s.pids) >= 2 }} // the CLI and a test process
	atBoot    = moment{"boot", func(s runState) bool { return s.containers() > 0 }}
	atRunning = moment{"running", func(s runState) bool { return s.dots >= runningDots }}
)

// runState is what a watched run has shown so far.
type runState struct {
	pids  map[int]bool      // every process seen in the run's process group
	runs  map[string]bool   // the Herald run IDs their resources carry
	owned []docker.Resource // Herald's resources owned by those processes
	dots  int               // specs finished, as the CLI reports them
}

func (s runState) containers() int {
	n := 0
	for _, r := range s.owned {
		if r.Kind == "container" {
			n++
		}
	}
	return n
}

// debris signals runs of the suite at chosen moments and fails if one
// leaves a container or network behind, does not end in time, or — for a
// killed run — is not swept by the next run while a live run beside it is
// left alone (issue: "No debris").
func debris(ctx context.Context, args []string) error {
	r, names, err := prepare(ctx, args, true)
	if err != nil {
		return err
	}
	defer r.close()

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "homeserver\tcheck\tsignal sent after\tended after signal\tleft behind\tverdict")
	failed := 0
	for _, name := range names {
		var runs []*watched // every run of this homeserver's checks
		c, err := r.homeserver(ctx, name)
		if err != nil {
			return err
		}
		row := func(check string, sentAfter, ended time.Duration, left []docker.Resource, problem, detail string) {
			verdict := "ok"
			if detail != "" {
				verdict += ": " + detail
			}
			if problem != "" {
				verdict, failed = "FAIL: "+problem, failed+1
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", name, check, sentAfter.Round(10*time.Millisecond), ended.Round(10*time.Millisecond), len(left), verdict)
			for _, res := range left {
				fmt.Fprintf(w, "\t\t\t\t\t  %s\n", res)
			}
		}
		for i, t := range []struct {
			sig syscall.Signal
			at  moment
		}{
			{syscall.SIGINT, atStart}, {syscall.SIGINT, atBoot}, {syscall.SIGINT, atRunning},
			{syscall.SIGTERM, atBoot}, {syscall.SIGTERM, atRunning},
		} {
			run, err := watch(ctx, r, c, fmt.Sprintf("%s-signal-%d", name, i))
			if err != nil {
				return err
			}
			runs = append(runs, run)
			sentAfter, ended, left, problem := run.signalAt(ctx, t.at, t.sig)
			row(fmt.Sprintf("%s at %s", signalName(t.sig), t.at.name), sentAfter, ended, left, problem, "")
		}
		sentAfter, ended, left, problem, detail := sideBySide(ctx, r, c, &runs)
		row("SIGKILL at boot, then the next run beside a live one", sentAfter, ended, left, problem, detail)

		// The engine finishes a request even when the client that sent it
		// has gone: a container or network created for an interrupted run
		// can appear after the run ended and was looked at. Look again, now
		// that every run has been over for a while.
		left, err = strays(ctx, r.engine, runs)
		problem = ""
		if err != nil {
			problem = err.Error()
		} else if len(left) > 0 {
			problem = "resources of the runs above appeared after their runs ended"
		}
		row("nothing of these runs appears later", 0, 0, left, problem, "")
	}
	w.Flush()
	if failed > 0 {
		return fmt.Errorf("%d debris check(s) failed (the runs' output is kept under %s)", failed, keepDebrisLogs(r))
	}
	return nil
}

// sideBySide starts a full run (the neighbour), kills a second run once its
// homeserver container exists, then runs a third, short one, whose setup
// must sweep the killed run's leftovers and nothing of the neighbour's,
// which must go on to finish without a failure.
func sideBySide(ctx context.Context, r *runner, c *config.Config, runs *[]*watched) (sentAfter, ended time.Duration, left []docker.Resource, problem, detail string) {
	neighbour, err := watch(ctx, r, c, "neighbour")
	if err != nil {
		return 0, 0, nil, err.Error(), ""
	}
	*runs = append(*runs, neighbour)
	defer neighbour.stop()
	if _, err := neighbour.await(ctx, atBoot); err != nil {
		return 0, 0, nil, "the neighbour: " + err.Error(), ""
	}

	killed, err := watch(ctx, r, c, "killed")
	if err != nil {
		return 0, 0, nil, err.Error(), ""
	}
	*runs = append(*runs, killed)
	sentAfter, ended, orphans, problem := killed.signalAt(ctx, atBoot, syscall.SIGKILL)
	if problem != "" {
		return sentAfter, ended, orphans, problem, ""
	}
	if len(orphans) == 0 {
		return sentAfter, ended, nil, "the killed run left nothing, so the sweep was not tested", ""
	}
	// The next run comes after the killed one has died, test processes
	// included (they die a moment after the CLI).
	for deadline := time.Now().Add(10 * time.Second); !allGone(orphans); time.Sleep(pollEvery) {
		if time.Now().After(deadline) {
			return sentAfter, ended, orphans, "the killed run's processes still ran 10s after SIGKILL", ""
		}
	}

	short := *c
	short.Labels = "smoke"
	next, err := watch(ctx, r, &short, "next")
	if err != nil {
		return sentAfter, ended, orphans, err.Error(), ""
	}
	*runs = append(*runs, next)
	if o, err := next.finish(ctx); err != nil {
		return sentAfter, ended, orphans, "the next run: " + err.Error(), ""
	} else if s := report.Summarize(o.report); s.Failed() > 0 || len(s.Setup) > 0 {
		return sentAfter, ended, orphans, "the next run failed: " + s.Line(), ""
	}
	remaining, err := r.engine.Managed(ctx)
	if err != nil {
		return sentAfter, ended, nil, err.Error(), ""
	}
	left = intersect(remaining, orphans)
	if len(left) > 0 {
		return sentAfter, ended, left, "the next run did not sweep the killed run's leftovers", ""
	}
	if leftByNext := next.leftovers(ctx); len(leftByNext) > 0 {
		return sentAfter, ended, leftByNext, "the next run left resources behind", ""
	}

	o, err := neighbour.finish(ctx)
	if err != nil {
		return sentAfter, ended, nil, "the neighbour: " + err.Error(), ""
	}
	if s := report.Summarize(o.report); s.Failed() > 0 || len(s.Setup) > 0 {
		return sentAfter, ended, nil, "the neighbour was disturbed: " + s.Line(), ""
	}
	if leftByNeighbour := neighbour.leftovers(ctx); len(leftByNeighbour) > 0 {
		return sentAfter, ended, leftByNeighbour, "the neighbour left resources behind", ""
	}
	return sentAfter, ended, nil, "", fmt.Sprintf("the killed run left %d resource(s), the next run swept them; the full run beside them: %s",
		len(orphans), report.Summarize(o.report).Line())
}

// watched is a run under observation.
type watched struct {
	p      *process
	engine *docker.Engine
	host   string
	state  runState
	done   chan struct{}
	out    outcome
	err    error
}

func watch(ctx context.Context, r *runner, c *config.Config, tag string) (*watched, error) {
	p, err := r.start(ctx, c, tag)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	w := &watched{p: p, engine: r.engine, host: host, state: runState{pids: map[int]bool{}, runs: map[string]bool{}}, done: make(chan struct{})}
	go func() {
		w.out, w.err = p.wait(ctx)
		close(w.done)
	}()
	return w, nil
}

// look refreshes the state: the group's processes, their resources, the
// specs finished.
func (w *watched) look(ctx context.Context) error {
	for _, pid := range groupMembers(w.p.cmd.Process.Pid) {
		w.state.pids[pid] = true
	}
	all, err := w.engine.Managed(ctx)
	if err != nil {
		return err
	}
	w.state.owned = w.state.owned[:0]
	for _, res := range all {
		if w.owns(res) {
			w.state.owned = append(w.state.owned, res)
			if id := res.Labels[docker.LabelRun]; id != "" {
				w.state.runs[id] = true
			}
		}
	}
	if out, err := os.ReadFile(w.p.log); err == nil {
		w.state.dots = strings.Count(string(out), "•")
	}
	return nil
}

// owns reports whether res belongs to the run: made by one of its
// processes, or labelled with a run ID its processes used (a resource
// made by a test process that ended before it was seen).
func (w *watched) owns(res docker.Resource) bool {
	if o, err := docker.ParseOwner(res.Labels[docker.LabelOwner]); err == nil && o.Host == w.host && w.state.pids[o.PID] {
		return true
	}
	id := res.Labels[docker.LabelRun]
	return id != "" && w.state.runs[id]
}

// strays lists what the engine holds now of runs that have all ended.
func strays(ctx context.Context, engine *docker.Engine, runs []*watched) ([]docker.Resource, error) {
	all, err := engine.Managed(ctx)
	if err != nil {
		return nil, err
	}
	var left []docker.Resource
	for _, res := range all {
		for _, w := range runs {
			if w.owns(res) {
				left = append(left, res)
				break
			}
		}
	}
	return left, nil
}

// await polls until the run reaches m; it fails if the run ends first or
// takes longer than reachLimit.
func (w *watched) await(ctx context.Context, m moment) (time.Duration, error) {
	deadline := time.Now().Add(reachLimit)
	for {
		if err := w.look(ctx); err != nil {
			return 0, err
		}
		if m.reached(w.state) {
			return time.Since(w.p.started), nil
		}
		select {
		case <-w.done:
			return 0, fmt.Errorf("the run ended before its %s", m.name)
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(pollEvery):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the run did not reach its %s within %s", m.name, reachLimit)
		}
	}
}

// signalAt sends sig to the run's process group at moment m and waits for
// the run to end; left is what its processes left behind.
func (w *watched) signalAt(ctx context.Context, m moment, sig syscall.Signal) (sentAfter, ended time.Duration, left []docker.Resource, problem string) {
	sentAfter, err := w.await(ctx, m)
	if err != nil {
		w.stop()
		return sentAfter, 0, nil, err.Error()
	}
	sent := time.Now()
	if err := w.p.signal(sig); err != nil {
		w.stop()
		return sentAfter, 0, nil, "signalling: " + err.Error()
	}
	select {
	case <-w.done:
	case <-time.After(exitLimit):
		w.stop()
		return sentAfter, time.Since(sent), w.leftovers(ctx), fmt.Sprintf("still running %s after %s", exitLimit, signalName(sig))
	}
	ended = time.Since(sent)
	left = w.leftovers(ctx)
	if len(left) > 0 && sig != syscall.SIGKILL {
		return sentAfter, ended, left, "resources left behind"
	}
	return sentAfter, ended, left, ""
}

// finish waits for the run to end on its own.
func (w *watched) finish(ctx context.Context) (outcome, error) {
	select {
	case <-w.done:
		return w.out, w.err
	case <-ctx.Done():
		w.stop()
		return w.out, ctx.Err()
	}
}

// leftovers is what the run's processes still own, once it has ended.
func (w *watched) leftovers(ctx context.Context) []docker.Resource {
	if err := w.look(ctx); err != nil {
		return []docker.Resource{{Kind: "unknown", Name: err.Error()}}
	}
	return append([]docker.Resource(nil), w.state.owned...)
}

// stop interrupts a run that is still going (a failed check) and waits.
func (w *watched) stop() {
	select {
	case <-w.done:
		return
	default:
	}
	w.p.signal(syscall.SIGINT)
	select {
	case <-w.done:
	case <-time.After(exitLimit):
		w.p.signal(syscall.SIGKILL)
		<-w.done
	}
}

// groupMembers lists the processes whose process group is pgid.
func groupMembers(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command name (in parentheses, which may hold
		// spaces): state, ppid, pgrp.
		s := string(raw)
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) > 2 && fields[2] == strconv.Itoa(pgid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// allGone reports whether every owner of rs has ended.
func allGone(rs []docker.Resource) bool {
	for _, r := range rs {
		if o, err := docker.ParseOwner(r.Labels[docker.LabelOwner]); err != nil || !o.Gone() {
			return false
		}
	}
	return true
}

func intersect(now, before []docker.Resource) []docker.Resource {
	ids := map[string]bool{}
	for _, r := range before {
		ids[r.ID] = true
	}
	var out []docker.Resource
	for _, r := range now {
		if ids[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGKILL:
		return "SIGKILL"
	}
	return sig.String()
}

// keepDebrisLogs moves the runs' output out of the scratch directory.
func keepDebrisLogs(r *runner) string {
	kept := filepath.Join(r.cfg.ReportDir, "debris")
	os.RemoveAll(kept)
	if err := os.MkdirAll(filepath.Dir(kept), 0o755); err != nil {
		return r.work
	}
	if err := os.Rename(r.work, kept); err != nil {
		return r.work
	}
	return kept
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/config"
	"herald/harness/docker"
	"herald/harness/homeserver"
)

// runner runs the suite, compiled once, as many times as asked: what bench,
// repeat and debris have in common.
type runner struct {
	cfg    *config.Config
	engine *docker.Engine // nil unless asked for (prepare)
	work   string         // scratch directory, removed by close
	binary string         // the compiled suite
	ginkgo string         // the ginkgo CLI, run directly so that signals reach it
}

// prepare is how bench, repeat and debris begin: it loads the run profile,
// names the homeservers to run (those in args, else Herald's own), connects
// to the container engine when withEngine (before the compile's minutes)
// and compiles the suite. close undoes it all.
func prepare(ctx context.Context, args []string, withEngine bool) (r *runner, names []string, err error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, nil, err
	}
	names = args
	if len(names) == 0 {
		names = cfg.OwnNames()
	}
	var engine *docker.Engine
	if withEngine {
		if engine, err = docker.Connect(ctx); err != nil {
			return nil, nil, err
		}
	}
	if r, err = newRunner(ctx, cfg); err != nil {
		if engine != nil {
			engine.Close()
		}
		return nil, nil, err
	}
	r.engine = engine
	return r, names, nil
}

// newRunner compiles the suite into a scratch directory.
func newRunner(ctx context.Context, cfg *config.Config) (*runner, error) {
	work, err := os.MkdirTemp("", "herald-run-")
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, work: work, binary: filepath.Join(work, "suites.test"), ginkgo: filepath.Join(work, "ginkgo")}
	for _, args := range [][]string{
		{"test", "-c", "-o", r.binary, "./suites/"},
		{"build", "-o", r.ginkgo, "github.com/onsi/ginkgo/v2/ginkgo"},
	} {
		build := exec.CommandContext(ctx, "go", args...)
		build.Dir, build.Stdout, build.Stderr = cfg.Dir, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			r.close()
			return nil, fmt.Errorf("go %s: %w", args[0], err)
		}
	}
	return r, nil
}

// close removes the scratch directory and lets go of the engine.
func (r *runner) close() {
	os.RemoveAll(r.work)
	if r.engine != nil {
		r.engine.Close()
	}
}

// homeserver is the run profile of homeserver name, its image made sure of
// (built if missing).
func (r *runner) homeserver(ctx context.Context, name string) (*config.Config, error) {
	c, err := r.cfg.For(name)
	if err != nil {
		return nil, err
	}
	if err := r.engine.EnsureImage(ctx, homeserver.Image(c, os.Stderr)); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// outcome is one run of the suite against one homeserver.
type outcome struct {
	wall      time.Duration
	cpu       time.Duration // the test processes' user+system time
	maxRSSKiB int64
	report    types.Report
	log       string // where Ginkgo's output went
}

// run runs every suite once against homeserver c, with extra Ginkgo flags.
// The run's reports and output land in the scratch directory under tag.
func (r *runner) run(ctx context.Context, c *config.Config, tag string, flags ...string) (outcome, error) {
	p, err := r.start(ctx, c, tag, flags...)
	if err != nil {
		return outcome{}, err
	}
	return p.wait(ctx)
}

// process is a run of the suite under way: the Ginkgo CLI leads its own
// process group, which holds the test processes too.
type process struct {
	cmd     *exec.Cmd
	hs      string
	reports string // the run's report directory
	log     string // where Ginkgo's output goes
	logFile *os.File
	started time.Time
}

// start starts a run of every suite against homeserver c and returns at once.
func (r *runner) start(ctx context.Context, c *config.Config, tag string, flags ...string) (*process, error) {
	reports := filepath.Join(r.work, tag)
	args := append([]string{"-p", "--procs=" + strconv.Itoa(c.Procs), "--no-color"}, flags...)
	cmd := exec.CommandContext(ctx, r.ginkgo, append(args, r.binary)...)
	cmd.Dir = r.cfg.Dir
	// The test binary runs in its own directory: name the run profile.
	cmd.Env = append(os.Environ(), "HERALD_CONFIG="+filepath.Join(r.cfg.Dir, config.FileName),
		"HS="+c.HS, "HS_IMAGE="+imageOverride(c), "REPORT_DIR="+reports, "LABELS="+c.Labels)
	// The CLI only relays reports: one P spares it scheduler spinning (the
	// test processes set the same for themselves).
	if os.Getenv("GOMAXPROCS") == "" {
		cmd.Env = append(cmd.Env, "GOMAXPROCS=1")
	}
	// The Ginkgo CLI does not pass a signal on to the test processes (a
	// terminal signals the whole process group): run it in a group of its
	// own and interrupt that group when ctx ends, so every process cleans up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
	cmd.WaitDelay = 2 * time.Minute
	p := &process{cmd: cmd, hs: c.HS, reports: reports, log: filepath.Join(r.work, tag+".log")}
	logFile, err := os.Create(p.log)
	if err != nil {
		return nil, err
	}
	p.logFile = logFile
	cmd.Stdout, cmd.Stderr = logFile, logFile
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting ginkgo: %w", err)
	}
	return p, nil
}

// imageOverride is the HS_IMAGE of a run against c: empty for the image the
// run profile names for c.HS, else c's own image (a mutant of it, say), which
// the run then judges by c.HS's expectations and never rebuilds.
func imageOverride(c *config.Config) string {
	if known, ok := c.Known[c.HS]; ok && known.Image == c.Homeserver.Image {
		return ""
	}
	return c.Homeserver.Image
}

// signal sends sig to the run's whole process group.
func (p *process) signal(sig syscall.Signal) error { return syscall.Kill(-p.cmd.Process.Pid, sig) }

// wait waits for the run to end and reads its report.
func (p *process) wait(ctx context.Context) (outcome, error) {
	runErr := p.cmd.Wait()
	p.logFile.Close()
	o := outcome{log: p.log, wall: time.Since(p.started)}
	if ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		o.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		o.maxRSSKiB = ru.Maxrss
	}
	if ctx.Err() != nil {
		return o, ctx.Err()
	}
	path := filepath.Join(p.reports, p.hs, "report.json")
	raw, err := os.ReadFile(path)
	var reps []types.Report
	if err == nil {
		err = json.Unmarshal(raw, &reps)
	}
	if err != nil || len(reps) == 0 {
		out, _ := os.ReadFile(o.log)
		return o, fmt.Errorf("%s: no report at %s (%v; ginkgo: %v); its output:\n%s", p.hs, path, err, runErr, out)
	}
	o.report = reps[0]
	return o, nil
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/config"
	"herald/harness/docker"
	"herald/harness/homeserver"
	"herald/harness/report"
)

// measurement is one homeserver's benchmark.
type measurement struct {
	hs        string
	ensure    time.Duration // making sure the image exists (warm: it does)
	boots     []time.Duration
	wall      time.Duration
	cpu       time.Duration // the test processes' user+system time
	maxRSSKiB int64
	specs     int
	areas     map[string]time.Duration // summed spec run time per area
	verdict   string
}

// bench runs every suite against each homeserver and prints where the time goes.
func bench(ctx context.Context, names []string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if len(names) == 0 {
		names = cfg.Names()
	}
	engine, err := docker.Connect(ctx)
	if err != nil {
		return err
	}
	defer engine.Close()
	work, err := os.MkdirTemp("", "herald-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	binary := filepath.Join(work, "suites.test")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", binary, "./suites/")
	build.Dir, build.Stdout, build.Stderr = cfg.Dir, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("compiling the suite: %w", err)
	}

	var ms []measurement
	for _, name := range names {
		c, err := cfg.For(name)
		if err != nil {
			return err
		}
		m := measurement{hs: name}
		start := time.Now()
		if err := engine.EnsureImage(ctx, homeserver.Image(c, os.Stderr)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		m.ensure = time.Since(start)

		reports := filepath.Join(work, "reports")
		run := exec.CommandContext(ctx, "go", "tool", "ginkgo", "-p", "--procs="+strconv.Itoa(c.Procs), "--no-color", binary)
		run.Dir = cfg.Dir
		// The test binary runs in its own directory: name the run profile.
		run.Env = append(os.Environ(), "HERALD_CONFIG="+filepath.Join(cfg.Dir, config.FileName),
			"HS="+name, "HS_IMAGE=", "REPORT_DIR="+reports, "LABELS="+c.Labels)
		logPath := filepath.Join(work, name+".log")
		logFile, err := os.Create(logPath)
		if err != nil {
			return err
		}
		run.Stdout, run.Stderr = logFile, logFile
		fmt.Fprintf(os.Stderr, "bench: running every suite against %s…\n", name)
		start = time.Now()
		runErr := run.Run()
		m.wall = time.Since(start)
		logFile.Close()
		if ru, ok := run.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			m.maxRSSKiB = ru.Maxrss
		}
		if err := m.read(filepath.Join(reports, name, "report.json")); err != nil {
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("%s: %w (ginkgo: %v); its output:\n%s", name, err, runErr, out)
		}
		ms = append(ms, m)
	}
	printBench(ms)
	return nil
}

var readyIn = regexp.MustCompile(`ready in ([0-9.]+[a-zµ]+)`)

func (m *measurement) read(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil || len(reports) == 0 {
		return fmt.Errorf("reading %s: %v", path, err)
	}
	r := reports[0]
	m.areas = map[string]time.Duration{}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType == types.NodeTypeSynchronizedBeforeSuite {
			if match := readyIn.FindStringSubmatch(sr.CapturedGinkgoWriterOutput); match != nil {
				if d, err := time.ParseDuration(match[1]); err == nil {
					m.boots = append(m.boots, d)
				}
			}
		}
	}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType == types.NodeTypeIt && sr.State != types.SpecStateSkipped {
			area, _, _ := report.FromLabels(sr.Labels())
			m.specs++
			m.areas[area] += sr.RunTime
		}
	}
	m.verdict = report.Summarize(r).Line()
	return nil
}

func printBench(ms []measurement) {
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "homeserver\timage ensure\tboot to ready\twall\tspecs\tspecs/s\tharness CPU\tCPU/wall\tpeak RSS")
	for _, m := range ms {
		var boots []string
		for _, b := range m.boots {
			boots = append(boots, b.Round(100*time.Millisecond).String())
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%.1f\t%s\t%.0f%%\t%d MiB\n", m.hs, m.ensure.Round(time.Millisecond),
			strings.Join(boots, ", "), m.wall.Round(100*time.Millisecond), m.specs, float64(m.specs)/m.wall.Seconds(),
			m.cpu.Round(100*time.Millisecond), 100*m.cpu.Seconds()/m.wall.Seconds(), m.maxRSSKiB/1024)
	}
	w.Flush()
	fmt.Println()
	w = tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "homeserver\tarea\tspec time (summed over processes)")
	for _, m := range ms {
		areas := make([]string, 0, len(m.areas))
		for a := range m.areas {
			areas = append(areas, a)
		}
		sort.Strings(areas)
		for _, a := range areas {
			fmt.Fprintf(w, "%s\t%s\t%s\n", m.hs, a, m.areas[a].Round(100*time.Millisecond))
		}
	}
	w.Flush()
	for _, m := range ms {
		fmt.Printf("\n%s: %s\n", m.hs, m.verdict)
	}
}

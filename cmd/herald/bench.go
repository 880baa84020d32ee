package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
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
	hs         string
	warm, cold time.Duration // image builds: with the layer cache, without (0: not measured)
	boots      []time.Duration
	serverCPU  time.Duration // CPU the homeserver containers used
	outcome
	specs   int
	areas   map[string]time.Duration // summed spec run time per area
	verdict string
	failed  int // outcomes that fail the run
}

// bench runs every suite against each homeserver and prints where the time
// goes. With cold, each image is also built once without the layer cache.
func bench(ctx context.Context, args []string) error {
	cold := len(args) > 0 && args[0] == "--cold"
	if cold {
		args = args[1:]
	}
	r, names, err := prepare(ctx, args, true)
	if err != nil {
		return err
	}
	defer r.close()

	var ms []measurement
	for _, name := range names {
		// The image must exist before the warm build can be warm.
		c, err := r.homeserver(ctx, name)
		if err != nil {
			return err
		}
		m := measurement{hs: name}
		if cold {
			fmt.Fprintf(os.Stderr, "bench: building %s without cache…\n", name)
			if m.cold, err = timeBuild(ctx, r.engine, c, true); err != nil {
				return err
			}
		}
		if m.warm, err = timeBuild(ctx, r.engine, c, false); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: running every suite against %s…\n", name)
		if m.outcome, err = r.run(ctx, c, name); err != nil {
			return err
		}
		m.read()
		if m.failed > 0 { // keep the evidence of a failing run
			kept := filepath.Join(r.cfg.ReportDir, "bench", name)
			os.RemoveAll(kept)
			os.MkdirAll(filepath.Dir(kept), 0o755)
			if err := os.Rename(filepath.Join(r.work, name, name), kept); err == nil {
				fmt.Fprintf(os.Stderr, "bench: %s had failures; its reports are in %s\n", name, kept)
			}
		}
		ms = append(ms, m)
	}
	printBench(ms)
	return nil
}

func timeBuild(ctx context.Context, engine *docker.Engine, c *config.Config, noCache bool) (time.Duration, error) {
	spec := homeserver.Image(c, nil)
	spec.Rebuild, spec.NoCache = true, noCache
	start := time.Now()
	if err := engine.EnsureImage(ctx, spec); err != nil {
		return 0, fmt.Errorf("%s: %w", c.HS, err)
	}
	return time.Since(start), nil
}

var (
	readyIn = regexp.MustCompile(`ready in ([0-9.]+[a-zµ]+)`)
	usedCPU = regexp.MustCompile(`used ([0-9.hms]+[a-zµ]*) of CPU`)
)

// read takes boot times and server CPU from what the suite's setup and
// teardown wrote, and spec time per area from the specs.
func (m *measurement) read() {
	m.areas = map[string]time.Duration{}
	for _, sr := range m.report.SpecReports {
		switch sr.LeafNodeType {
		case types.NodeTypeSynchronizedBeforeSuite:
			if match := readyIn.FindStringSubmatch(sr.CapturedGinkgoWriterOutput); match != nil {
				if d, err := time.ParseDuration(match[1]); err == nil {
					m.boots = append(m.boots, d)
				}
			}
		case types.NodeTypeSynchronizedAfterSuite:
			for _, match := range usedCPU.FindAllStringSubmatch(sr.CapturedGinkgoWriterOutput, -1) {
				if d, err := time.ParseDuration(match[1]); err == nil {
					m.serverCPU += d
				}
			}
		case types.NodeTypeIt:
			if sr.State != types.SpecStateSkipped {
				area, _, _ := report.FromLabels(sr.Labels())
				m.specs++
				m.areas[area] += sr.RunTime
			}
		}
	}
	summary := report.Summarize(m.report)
	m.verdict, m.failed = summary.Line(), summary.Failed()
}

func printBench(ms []measurement) {
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "homeserver\tbuild cold\tbuild warm\tboot to ready\twall\tspecs\tspecs/s\twall/spec\tharness CPU\tserver CPU\tpeak RSS")
	for _, m := range ms {
		var boots []string
		for _, b := range m.boots {
			boots = append(boots, b.Round(100*time.Millisecond).String())
		}
		coldText := "(--cold)"
		if m.cold > 0 {
			coldText = m.cold.Round(time.Second).String()
		}
		perSpec := time.Duration(0)
		if m.specs > 0 {
			perSpec = m.wall / time.Duration(m.specs)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%.1f\t%s\t%s (%.0f%%)\t%s (%.0f%%)\t%d MiB\n", m.hs, coldText, m.warm.Round(100*time.Millisecond),
			strings.Join(boots, ", "), m.wall.Round(100*time.Millisecond), m.specs, float64(m.specs)/m.wall.Seconds(), perSpec.Round(time.Millisecond),
			m.cpu.Round(100*time.Millisecond), 100*m.cpu.Seconds()/m.wall.Seconds(),
			m.serverCPU.Round(100*time.Millisecond), 100*m.serverCPU.Seconds()/m.wall.Seconds(), m.maxRSSKiB/1024)
	}
	w.Flush()
	fmt.Println("(CPU percentages are of wall time; the machine's whole capacity is 100% × its cores)")
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

// Command herald does the work around the suites: images, reports, benchmarks, flake hunting, mutants and cleaning up.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"herald/harness/config"
	"herald/harness/docker"
	"herald/harness/homeserver"
	"herald/harness/report"
)

const usage = `usage: herald <command>

commands:
  images [hs...]   make sure the homeserver images exist, building them
                   (and a Debian base, offline) when missing; default: all
                   homeservers in ginkgo.yaml, or HS / HS_IMAGE when set
  report           render reports/index.html and reports/matrix.md from
                   every reports/<hs>/ present
  bench [--cold] [hs...]
                   run every suite against each homeserver (default: all)
                   and print image builds (cold only with --cold), boot,
                   wall, specs/s, harness and server CPU, peak RSS
  repeat [-n N] [hs...]
                   run every suite N times (default 20) per homeserver in
                   random order and fail if any spec's outcome changes
  debris [hs]      signal runs at their start, during boot and while
                   running (SIGINT, SIGTERM), kill one and let the next
                   run sweep it beside a live run; fail if anything is
                   left behind, a run hangs or a neighbour is disturbed
  mutants [--only name,...] [hs]
                   build each mutant of fixtures/mutants/<hs>.yaml (default:
                   the run profile's homeserver): the server's image with one rule broken in its
                   code; run the specs of its label filter against it with
                   the server's expectations; fail unless the specs it names
                   newly fail. Prints mutant, rule, caught by, times
  expectations [hs]
                   rewrite fixtures/expectations/<hs>.yaml from the last
                   run: record how each known failure looked, drop what
                   passes now, add new failures with a placeholder reason
                   (the catalogue check refuses it until a person writes
                   one); prints the difference
  clean            remove every container, network and image Herald made
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "images":
		err = images(ctx, os.Args[2:])
	case "bench":
		err = bench(ctx, os.Args[2:])
	case "repeat":
		err = repeat(ctx, os.Args[2:])
	case "mutants":
		err = mutants(ctx, os.Args[2:])
	case "debris":
		err = debris(ctx, os.Args[2:])
	case "report":
		err = render()
	case "expectations":
		err = refreshExpectations(os.Args[2:])
	case "clean":
		err = clean(ctx)
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "herald:", err)
		os.Exit(1)
	}
}

func images(ctx context.Context, names []string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if len(names) == 0 {
		if os.Getenv("HS") != "" || os.Getenv("HS_IMAGE") != "" {
			names = []string{cfg.HS}
		} else {
			names = cfg.Names()
		}
	}
	engine, err := docker.Connect(ctx)
	if err != nil {
		return err
	}
	defer engine.Close()
	for _, name := range names {
		c := cfg
		if name != cfg.HS {
			if c, err = cfg.For(name); err != nil {
				return err
			}
		}
		start := time.Now()
		bctx, cancel := context.WithTimeout(ctx, c.Timeouts.Build)
		err := engine.EnsureImage(bctx, homeserver.Image(c, os.Stdout))
		cancel()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Printf("%s: image %s ready (%s)\n", name, c.Homeserver.Image, time.Since(start).Round(time.Second))
	}
	return nil
}

func render() error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	runs, err := report.LoadRuns(cfg.ReportDir)
	if err != nil {
		return err
	}
	page := filepath.Join(cfg.ReportDir, "index.html")
	if err := os.WriteFile(page, []byte(report.MatrixHTML(runs)), 0o644); err != nil {
		return err
	}
	md := filepath.Join(cfg.ReportDir, "matrix.md")
	if err := os.WriteFile(md, []byte(report.MatrixMarkdown(runs)), 0o644); err != nil {
		return err
	}
	for _, run := range runs {
		fmt.Printf("%s: %s\n", run.HS, run.Summary.Line())
	}
	fmt.Printf("wrote %s and %s\n", page, md)
	return nil
}

func clean(ctx context.Context) error {
	engine, err := docker.Connect(ctx)
	if err != nil {
		return err
	}
	defer engine.Close()
	s, err := engine.SweepAll(ctx)
	fmt.Printf("removed %d container(s), %d network(s), %d image(s)\n", s.Containers, s.Networks, s.Images)
	return err
}

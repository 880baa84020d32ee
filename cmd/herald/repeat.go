package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"herald/harness/report"
)

// repeat runs the whole suite n times per homeserver, each time in a new
// random order (--randomize-all, a fresh seed), and compares every spec's
// outcome class with the first run's. Any difference is a flake, in Herald
// or in the homeserver, and fails the command; the differing run's Ginkgo
// output is kept under the report directory.
func repeat(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("repeat", flag.ContinueOnError)
	n := fs.Int("n", 20, "runs per homeserver")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, names, err := prepare(ctx, fs.Args(), false)
	if err != nil {
		return err
	}
	defer r.close()

	flaky := 0
	for _, name := range names {
		c, err := r.cfg.For(name)
		if err != nil {
			return err
		}
		var first map[string]string
		identical := 0
		for i := 1; i <= *n; i++ {
			seed := rand.Int64N(1 << 31)
			tag := fmt.Sprintf("%s-%d", name, i)
			o, err := r.run(ctx, c, tag, "--randomize-all", "--seed="+strconv.FormatInt(seed, 10))
			if err != nil {
				return err
			}
			s := report.Summarize(o.report)
			classes := map[string]string{}
			for _, res := range s.Results {
				classes[res.Text] = res.Class
			}
			// A run that differs, or that failed anything, is kept to be
			// read: the first run is what every other is compared with.
			kept := filepath.Join(r.cfg.ReportDir, "repeat", tag)
			keep := func() {
				os.MkdirAll(kept, 0o755)
				os.Rename(filepath.Join(r.work, tag), filepath.Join(kept, "reports"))
				os.Rename(o.log, filepath.Join(kept, "ginkgo.log"))
			}
			verdict := "first run"
			if first == nil {
				first = classes
				identical++
				if s.Failed() > 0 {
					keep()
					verdict += fmt.Sprintf(" (it failed %d: kept in %s)", s.Failed(), kept)
				}
			} else if diff := compareOutcomes(first, classes); len(diff) == 0 {
				verdict = "identical"
				identical++
			} else {
				keep()
				verdict = fmt.Sprintf("%d spec(s) differ from run 1 (kept in %s):", len(diff), kept)
				for _, d := range diff {
					verdict += "\n    " + d
				}
			}
			fmt.Printf("%s run %d/%d, seed %d, %s: %s — %s\n", name, i, *n, seed, o.wall.Round(time.Second), s.Line(), verdict)
			os.RemoveAll(filepath.Join(r.work, tag))
			os.Remove(o.log)
		}
		fmt.Printf("%s: %d/%d runs identical\n", name, identical, *n)
		if identical != *n {
			flaky++
		}
	}
	if flaky > 0 {
		return fmt.Errorf("outcomes changed between runs for %d homeserver(s)", flaky)
	}
	return nil
}

// compareOutcomes lists the specs whose class differs, one line each.
func compareOutcomes(want, got map[string]string) []string {
	var diff []string
	for text, class := range want {
		if got[text] != class {
			diff = append(diff, fmt.Sprintf("%s: %s → %s", text, class, orNone(got[text])))
		}
	}
	for text, class := range got {
		if _, ok := want[text]; !ok {
			diff = append(diff, fmt.Sprintf("%s: (absent) → %s", text, class))
		}
	}
	sort.Strings(diff)
	return diff
}

func orNone(class string) string {
	if class == "" {
		return "(absent)"
	}
	return class
}

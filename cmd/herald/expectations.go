package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/config"
	"herald/harness/conformance"
	"herald/harness/report"
)

// refreshExpectations rewrites a homeserver's expectations file from its
// last run (reports/<hs>/report.json) and prints what changed: it keeps
// every hand-written reason, severity, section and link, records the
// failures as observed, drops what passes now and gives new failures the
// placeholder reason, which the catalogue check refuses until a person
// writes one.
func refreshExpectations(args []string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if len(args) > 0 && args[0] != cfg.HS {
		if cfg, err = cfg.For(args[0]); err != nil {
			return err
		}
	}
	path := cfg.Homeserver.Expectations
	if path == "" {
		return fmt.Errorf("%s has no expectations file in the run profile", cfg.HS)
	}
	f, err := conformance.ReadExpectations(path)
	if err != nil {
		return err
	}
	runPath := filepath.Join(cfg.ReportPath(), "report.json")
	obs, err := observations(runPath)
	if err != nil {
		return err
	}
	before := f.Render()
	entries, diff := conformance.Refresh(f.Expected, obs)
	f.Expected = entries
	after := f.Render()
	fmt.Printf("%s against %s:\n%s", path, runPath, diff)
	if string(before) == string(after) {
		fmt.Printf("%s: no change\n", path)
		return nil
	}
	if err := os.WriteFile(path, after, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s (git diff shows every line)\n", path)
	if u := conformance.Unfinished(entries); len(u) > 0 {
		fmt.Printf("%d entr(ies) need a person before the catalogue check passes:\n", len(u))
		for _, line := range u {
			fmt.Println("  " + line)
		}
	}
	return nil
}

// observations reads what a run saw of each spec from its report.json.
func observations(path string) ([]conformance.Observation, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the last run: %w (run make conformance first)", err)
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil || len(reports) == 0 {
		return nil, fmt.Errorf("reading %s: not a Ginkgo JSON report (%v)", path, err)
	}
	var obs []conformance.Observation
	for _, r := range report.Summarize(reports[0]).Results {
		if r.ID == "" {
			continue
		}
		o := r.Outcome
		obs = append(obs, conformance.Observation{
			SpecID: r.ID, Rule: r.Rule, Version: r.Version,
			// A spec that ended before its rule was judged (setup, health)
			// says nothing about the rule: its record stays.
			Ran:         r.Class != report.Skipped && o.Rule != "",
			Failed:      ruleFailed(o.Rule),
			Fingerprint: o.Observed,
			Level:       r.Level, Section: o.Section,
		})
	}
	return obs, nil
}

func ruleFailed(class string) bool {
	switch class {
	case conformance.Fail, conformance.ExpectedFail, conformance.Changed, conformance.NotDone:
		return true
	}
	return false
}

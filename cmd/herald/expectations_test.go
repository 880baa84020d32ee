package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/conformance"
)

// The outcomes a run recorded come back from report.json (where report
// entries are JSON) as what refreshing needs.
func TestObservationsReadBackFromReportJSON(t *testing.T) {
	entry := func(o conformance.Outcome) types.ReportEntries {
		return types.ReportEntries{{Name: conformance.EntryOutcome, Value: types.WrapEntryValue(o)}}
	}
	r := types.Report{SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "[A/v3] room version 3", LeafNodeLabels: []string{"errors", "must", "room-v3"}, State: types.SpecStatePassed,
			ReportEntries: entry(conformance.Outcome{Class: conformance.ExpectedFail, Rule: conformance.ExpectedFail, Observed: "status 500 M_UNKNOWN", Section: "§A"})},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "[B] guard broke", LeafNodeLabels: []string{"errors", "should"}, State: types.SpecStateFailed,
			ReportEntries: entry(conformance.Outcome{Class: conformance.Fail, Rule: conformance.Pass, Guards: []string{"x"}, Section: "§B"})},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "[C] health failed first", LeafNodeLabels: []string{"errors", "must"}, State: types.SpecStateFailed},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "[D] filtered", LeafNodeLabels: []string{"errors", "must"}, State: types.SpecStateSkipped},
	}}
	raw, err := json.Marshal([]types.Report{r})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.json")
	os.WriteFile(path, raw, 0o644)
	obs, err := observations(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range obs {
		got[o.SpecID] = func() string {
			switch {
			case !o.Ran:
				return "not run"
			case o.Failed:
				return "failed " + o.Fingerprint + " " + o.Level + " " + o.Section + " " + o.Rule + " v" + o.Version
			}
			return "passed"
		}()
	}
	want := map[string]string{"A/v3": "failed status 500 M_UNKNOWN MUST §A A v3", "B": "passed", "C": "not run", "D": "not run"}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %q, want %q", id, got[id], w)
		}
	}
}

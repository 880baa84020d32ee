package report

import (
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/conformance"
)

func labelled(text string, state types.SpecState, o conformance.Outcome, labels ...string) types.SpecReport {
	return spec(text, state, o, labels...)
}

func TestMatrixShowsEachCellWithItsSpecs(t *testing.T) {
	syn := Summarize(types.Report{SpecReports: types.SpecReports{
		labelled("[INV2-SIGN/v1] room version 1", types.SpecStatePassed, conformance.Outcome{}, "invite-v2", "must", "room-v1"),
		labelled("[INV2-SIGN/v2] room version 2", types.SpecStateFailed, conformance.Outcome{}, "invite-v2", "must", "room-v2"),
		labelled("[OUT-A] x", types.SpecStatePassed, expected("adds unsigned", "changed unsigned (added)", conformance.Must), "outbound", "should"),
	}})
	den := Summarize(types.Report{SpecReports: types.SpecReports{
		labelled("[INV2-SIGN/v1] room version 1", types.SpecStatePassed, conformance.Outcome{}, "invite-v2", "must", "room-v1"),
	}})
	runs := []Run{{HS: "dendrite", Summary: den}, {HS: "synapse", Summary: syn}}
	if r := syn.Results[0]; r.Area != "invite-v2" || r.Level != "MUST" || r.Version != "2" {
		t.Fatalf("labels not read back: %+v", r)
	}

	page := MatrixHTML(runs)
	for _, want := range []string{
		`<th>dendrite</th><th>synapse</th>`,
		`<td class="good"><a href="#r-synapse-invite-v2-1">1/1</a></td>`,
		`<td class="bad"><a href="#r-synapse-invite-v2-2">0/1</a></td>`,
		`<td class="none"><a href="#r-dendrite-invite-v2-2">–</a></td>`,
		`<td class="known"><a href="#r-synapse-outbound-any">0/1 (1 known)</a></td>`,
		`id="r-synapse-invite-v2-2"`, `expected 200, got 500`,
		`<li><b>synapse</b>: <b>known failures: MUST 1, security 0 (1 in all, SHOULD 0)</b>;`,
		`<h2>Against the expectations</h2><ul><li><b>dendrite</b>: new failures 0 · fixed 0 · changed 0<ul></ul></li><li><b>synapse</b>: new failures 1 · fixed 0 · changed 0<ul><li class="bad">**fail** `,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "<script src") || strings.Contains(page, "<link") {
		t.Error("the page refers to external assets")
	}
	md := MatrixMarkdown(runs)
	if !strings.Contains(md, "| 2 | – | 0/1 |") || !strings.Contains(md, "synapse **fail** `INV2-SIGN/v2`") {
		t.Errorf("markdown:\n%s", md)
	}
}

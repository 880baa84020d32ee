package report

import (
	"strings"
	"testing"

	"herald/harness/conformance"
)

func TestCatalogueListsRulesByAreaWithVersions(t *testing.T) {
	rules := []conformance.Rule{
		{ID: "INV2-SIGN", Level: conformance.MUST, Area: "invite-v2", Section: "s|1", Says: "signs"},
		{ID: "FALLBACK-V1", Level: conformance.SHOULD, Area: "fallback", Section: "s2", Says: "retries"},
	}
	md := Catalogue(rules, []string{"INV2-SIGN/v10", "INV2-SIGN/v2", "INV2-SIGN/v1", "FALLBACK-V1"})
	for _, want := range []string{
		"2 rules (1 MUST, 1 SHOULD, 0 MAY) checked by 4 specs",
		"## fallback", "## invite-v2",
		"| `INV2-SIGN` | MUST | s\\|1 | signs | 1, 2, 10 |",
		"| `FALLBACK-V1` | SHOULD | s2 | retries |  |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("catalogue lacks %q:\n%s", want, md)
		}
	}
	if strings.Index(md, "## fallback") > strings.Index(md, "## invite-v2") {
		t.Error("areas are not sorted")
	}
}

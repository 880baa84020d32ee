package membership

import (
	"slices"
	"testing"

	"herald/harness/matrix"
)

// ids are the IDs of versions, for comparing.
func ids(versions []matrix.RoomVersion) []string {
	out := make([]string, len(versions))
	for i, v := range versions {
		out[i] = v.ID
	}
	return out
}

// The refusals through POST /join/{roomIdOrAlias} run in every version
// the invite and knock join rules exist in (003-alias-403-invite-only);
// the others in the oldest and newest only.
func TestDoorVersions(t *testing.T) {
	want := map[string][]string{
		"INVITE-ONLY":            {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"},
		"KNOCK-RULE":             {"7", "8", "9", "10", "11", "12"},
		"RESTRICTED-UNMET":       {"8", "12"},
		"KNOCK-RESTRICTED-UNMET": {"10", "12"},
		"BANNED":                 {"1", "12"},
	}
	for _, c := range joinRefusals {
		w, ok := want[c.id]
		if !ok {
			t.Errorf("join refusal %s: no versions expected here; add them", c.id)
			continue
		}
		if got := ids(c.doorVersions()); !slices.Equal(got, w) {
			t.Errorf("MEM-JOINROOM-{ID,ALIAS}-%s run in versions %v, want %v", c.id, got, w)
		}
	}
}

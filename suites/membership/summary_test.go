package membership

import (
	"strings"
	"testing"

	"herald/harness/csapi"
)

// syncWith is a /sync answer whose room !r:hs is joined with the given
// summary (raw JSON; "" for no summary).
func syncWith(t *testing.T, summary string) *csapi.SyncResponse {
	t.Helper()
	room := `{"timeline":{"events":[]}}`
	if summary != "" {
		room = `{"summary":` + summary + `,"timeline":{"events":[]}}`
	}
	sr, err := csapi.ParseSync(answer(200, `{"next_batch":"s1","rooms":{"join":{"!r:hs":`+room+`}}}`))
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

func TestInvitedCountProblems(t *testing.T) {
	for _, c := range []struct {
		name      string
		summaries []string
		want      int64
		says      string // "" when the syncs are right
	}{
		{"given in the response with the invite", []string{"", `{"m.invited_member_count":1}`}, 1, ""},
		{"given earlier, omitted once unchanged", []string{`{"m.invited_member_count":1,"m.joined_member_count":1}`, `{}`}, 1, ""},
		{"dropped to 0 after the join", []string{`{"m.invited_member_count":0,"m.joined_member_count":2}`}, 0, ""},
		{"never given", []string{"", `{"m.joined_member_count":1}`}, 1, "none of the 2 incremental /sync responses gives rooms.join[!r:hs].summary.m.invited_member_count"},
		{"no summary at all after the join", []string{""}, 0, "none of the 1 incremental"},
		{"a wrong count", []string{`{"m.invited_member_count":2}`}, 1, "response #1 of 1 gives m.invited_member_count 2, want 1"},
		{"still 1 after the join", []string{`{"m.invited_member_count":1}`}, 0, "gives m.invited_member_count 1, want 0"},
		{"the change given, then taken back", []string{`{"m.invited_member_count":1}`, `{"m.invited_member_count":0}`}, 1, "response #2 of 2 gives m.invited_member_count 0, want 1"},
		{"not an integer", []string{`{"m.invited_member_count":"1"}`}, 1, `gives m.invited_member_count "1", not an integer`},
		{"a fraction", []string{`{"m.invited_member_count":1.5}`}, 1, "not an integer"},
	} {
		var syncs []*csapi.SyncResponse
		for _, s := range c.summaries {
			syncs = append(syncs, syncWith(t, s))
		}
		p := invitedCountProblems(syncs, "!r:hs", c.want)
		if (len(p) == 0) != (c.says == "") {
			t.Errorf("%s: invitedCountProblems = %q, want ok=%t", c.name, p, c.says == "")
		}
		if c.says != "" && !strings.Contains(strings.Join(p, "\n"), c.says) {
			t.Errorf("%s: invitedCountProblems = %q, want it to say %q", c.name, p, c.says)
		}
	}
	if p := invitedCountProblems(nil, "!r:hs", 1); len(p) == 0 {
		t.Error("no responses at all pass the check")
	}
}

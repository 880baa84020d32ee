package invite

import (
	"testing"

	"herald/harness/csapi"
	"herald/harness/matrix"
)

// The pure checks of this package, shown failing on a wrong answer.

func TestIncompatibleVersionProblems(t *testing.T) {
	const want = "herald-unknown-1"
	for _, c := range []struct {
		body            string
		applies, passes bool
	}{
		{`{"errcode":"M_INCOMPATIBLE_ROOM_VERSION","room_version":"herald-unknown-1"}`, true, true},
		{`{"errcode":"M_INCOMPATIBLE_ROOM_VERSION"}`, true, false},
		{`{"errcode":"M_INCOMPATIBLE_ROOM_VERSION","room_version":"3"}`, true, false},
		{`{"errcode":"M_INCOMPATIBLE_ROOM_VERSION","room_version":1}`, true, false},
		{`{"errcode":"M_UNSUPPORTED_ROOM_VERSION"}`, false, true},
		{`{}`, false, true},
	} {
		applies, problems := incompatibleVersionProblems(matrix.MustParseObject(c.body), want)
		if applies != c.applies || (len(problems) == 0) != c.passes {
			t.Errorf("%s: applies %t, problems %v; want applies %t, passes %t", c.body, applies, problems, c.applies, c.passes)
		}
	}
}

// fullEvents tells the scene of INV*-SYNC-STATE-KEYS: full PDUs sent.
func TestFullEvents(t *testing.T) {
	state := []matrix.Object{
		matrix.MustParseObject(`{"type":"m.room.create","state_key":"","sender":"@a:m","content":{},"hashes":{"sha256":"x"},"signatures":{"m":{}}}`),
		matrix.MustParseObject(`{"type":"m.room.name","state_key":"","sender":"@a:m","content":{"name":"x"}}`),
	}
	if got := fullEvents(state); len(got) != 1 || got[0] != `m.room.create()` {
		t.Errorf("fullEvents = %q, want the create event only", got)
	}
	if got := fullEvents(state[1:]); len(got) != 0 {
		t.Errorf("stripped state counted as full PDUs: %q", got)
	}
}

// withoutMembershipOf leaves out the invitee's own membership only, so
// INV*-SYNC-STATE-KEYS judges every event the invite_room_state became.
func TestWithoutMembershipOf(t *testing.T) {
	var evs []csapi.Event
	for _, raw := range []string{
		`{"type":"m.room.create","state_key":"","sender":"@a:m","content":{},"event_id":"$c"}`,
		`{"type":"m.room.member","state_key":"@a:m","sender":"@a:m","content":{"membership":"join"},"event_id":"$a"}`,
		`{"type":"m.room.member","state_key":"@b:hs","sender":"@a:m","content":{"membership":"invite"},"event_id":"$b"}`,
	} {
		ev, err := csapi.ParseEvent([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	got := withoutMembershipOf(evs, "@b:hs")
	if len(got) != 2 || got[0].ID() != "$c" || got[1].ID() != "$a" {
		t.Errorf("withoutMembershipOf = %v, want the create event and the inviter's membership", got)
	}
	if got := withoutMembershipOf(evs[2:], "@b:hs"); len(got) != 0 {
		t.Errorf("only the invitee's membership: %v left", got)
	}
}

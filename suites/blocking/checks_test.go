package blocking

import (
	"slices"
	"strings"
	"testing"

	"herald/harness/csapi"
)

// Every check the specs use, shown failing on a wrong answer and passing
// on a right one.

func TestForbidden(t *testing.T) {
	for _, c := range []struct {
		status int
		body   string
		ok     bool
		says   string
	}{
		{403, `{"errcode":"M_INVITE_BLOCKED","error":"blocked"}`, true, ""},
		{403, `{"errcode":"M_FORBIDDEN"}`, true, ""}, // the errcode is blockedCode's business
		{200, `{"event":{}}`, false, "accepts the invite"},
		{200, `[200,{"event":{}}]`, false, "accepts the invite"},
		{400, `{"errcode":"M_INVITE_BLOCKED"}`, false, "answered 400, not 403"},
		{500, `{"errcode":"M_UNKNOWN"}`, false, "the server failed"},
		{403, `<html>`, false, "not a JSON object"},
		{403, `{"error":"no code"}`, false, "no string errcode"},
		{403, `{"errcode":7}`, false, "no string errcode"},
	} {
		p := forbidden(c.status, []byte(c.body))
		if (len(p) == 0) != c.ok {
			t.Errorf("forbidden(%d, %s) = %q, want ok=%t", c.status, c.body, p, c.ok)
		}
		if !c.ok && !strings.Contains(strings.Join(p, "\n"), c.says) {
			t.Errorf("forbidden(%d, %s) = %q, want it to say %q", c.status, c.body, p, c.says)
		}
	}
}

func TestBlockedCode(t *testing.T) {
	if p := blockedCode([]byte(`{"errcode":"M_INVITE_BLOCKED","error":"x"}`)); p != nil {
		t.Errorf("the right errcode has problems: %q", p)
	}
	for body, says := range map[string]string{
		`{"errcode":"M_FORBIDDEN","error":"x"}`: `errcode "M_FORBIDDEN", want M_INVITE_BLOCKED`,
		`{"error":"x"}`:                         "no errcode",
		`{"errcode":"m_invite_blocked"}`:        "want M_INVITE_BLOCKED",
		`{"event":{}}`:                          "no errcode",
		`[200,{}]`:                              "not a JSON object",
		``:                                      "not a JSON object",
	} {
		p := blockedCode([]byte(body))
		if len(p) == 0 || !strings.Contains(p[0], says) {
			t.Errorf("blockedCode(%s) = %q, want a problem saying %q", body, p, says)
		}
	}
}

func TestCreateRoomAnswer(t *testing.T) {
	for _, c := range []struct {
		status int
		body   string
		ok     bool
	}{
		{200, `{"room_id":"!r:hs1"}`, true},
		{403, `{"errcode":"M_INVITE_BLOCKED","error":"x"}`, true},
		{200, `{}`, false},
		{200, `{"room_id":5}`, false},
		{200, `<html>`, false},
		{403, `{"errcode":"M_FORBIDDEN","error":"x"}`, false},
		{400, `{"errcode":"M_INVITE_BLOCKED"}`, false},
		{500, `{"errcode":"M_UNKNOWN"}`, false},
	} {
		if p := createRoomAnswer(c.status, []byte(c.body)); (len(p) == 0) != c.ok {
			t.Errorf("createRoomAnswer(%d, %s) = %q, want ok=%t", c.status, c.body, p, c.ok)
		}
	}
}

func TestMembershipChecks(t *testing.T) {
	for _, m := range []string{"", "leave", "join", "ban"} {
		if p := notInvited("@b:hs1", m); p != nil {
			t.Errorf("notInvited(%q) = %q, want nothing", m, p)
		}
		if p := stillInvited("@b:hs1", m); p == nil {
			t.Errorf("stillInvited(%q) passes, want a problem", m)
		}
	}
	if p := notInvited("@b:hs1", "invite"); p == nil {
		t.Error("notInvited(invite) passes, want a problem")
	}
	if p := stillInvited("@b:hs1", "invite"); p != nil {
		t.Errorf("stillInvited(invite) = %q, want nothing", p)
	}
}

func TestNotServed(t *testing.T) {
	if p := notServed([]string{"!a:hs1", "!b:hs1"}, "!c:hs1"); p != nil {
		t.Errorf("an unlisted room has problems: %q", p)
	}
	if p := notServed(nil, "!c:hs1"); p != nil {
		t.Errorf("no invites at all has problems: %q", p)
	}
	if p := notServed([]string{"!a:hs1", "!c:hs1"}, "!c:hs1"); p == nil {
		t.Error("a listed room passes, want a problem")
	}
	if p := served([]string{"!a:hs1", "!c:hs1"}, "!c:hs1"); p != nil {
		t.Errorf("served: a listed room has problems: %q", p)
	}
	if p := served([]string{"!a:hs1"}, "!c:hs1"); p == nil {
		t.Error("served: an unlisted room passes, want a problem")
	}
}

func TestAccepted(t *testing.T) {
	if p := accepted(200); p != nil {
		t.Errorf("accepted(200) = %q", p)
	}
	for _, s := range []int{403, 400, 500, 201} {
		if accepted(s) == nil {
			t.Errorf("accepted(%d) passes, want a problem", s)
		}
	}
}

func TestNewRooms(t *testing.T) {
	got := newRooms([]string{"!a", "!b"}, []string{"!b", "!c", "!a", "!d"})
	if !slices.Equal(got, []string{"!c", "!d"}) {
		t.Errorf("newRooms = %q, want [!c !d]", got)
	}
	if got := newRooms([]string{"!a"}, []string{"!a"}); got != nil {
		t.Errorf("newRooms with nothing new = %q", got)
	}
}

func TestMembershipIn(t *testing.T) {
	var events []csapi.Event
	for _, raw := range []string{
		`{"type":"m.room.create","state_key":"","content":{}}`,
		`{"type":"m.room.member","state_key":"@a:hs1","content":{"membership":"join"}}`,
		`{"type":"m.room.member","state_key":"@b:hs1","content":{"membership":"invite"}}`,
		`{"type":"m.room.message","content":{"membership":"invite","body":"not state"}}`,
	} {
		ev, err := csapi.ParseEvent([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	if got := membershipIn(events, "@b:hs1"); got != "invite" {
		t.Errorf("membershipIn(@b) = %q, want invite", got)
	}
	if got := membershipIn(events, "@a:hs1"); got != "join" {
		t.Errorf("membershipIn(@a) = %q, want join", got)
	}
	if got := membershipIn(events, "@c:hs1"); got != "" {
		t.Errorf("membershipIn(@c) = %q, want none", got)
	}
	if p := stillInvited("@c:hs1", membershipIn(events, "@c:hs1")); p == nil {
		t.Error("a state without the invitee's member event passes stillInvited")
	}
}

package membership

import (
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"herald/harness/csapi"
)

// The checks of the join refusal rules, shown failing on a wrong answer
// and passing on a right one.

func answer(status int, body string) *csapi.Response {
	return &csapi.Response{StatusCode: status, Body: []byte(body)}
}

// failures runs check with Gomega's failures collected (the checks assert
// with Expect), and returns them.
func failures(t *testing.T, check func()) []string {
	t.Helper()
	RegisterTestingT(t)
	return InterceptGomegaFailures(check)
}

func TestExpectError(t *testing.T) {
	if f := failures(t, func() {
		expectError(answer(403, `{"errcode":"M_FORBIDDEN","error":"You are not invited to this room."}`), nil, 403, "a join")
	}); len(f) != 0 {
		t.Errorf("a 403 standard error fails the check: %q", f)
	}
	for _, c := range []struct {
		status int
		body   string
		says   string
	}{
		{200, `{"room_id":"!r:hs"}`, "answered 200, not 403"},
		{500, `{"errcode":"M_UNKNOWN","error":"x"}`, "answered 500, not 403"},
		{401, `{"errcode":"M_MISSING_TOKEN","error":"x"}`, "answered 401, not 403"},
		{403, `<html>`, "not a JSON object"},
		{403, `{"error":"x"}`, `no string "errcode"`},
		{403, `{"errcode":"M_FORBIDDEN"}`, `no string "error"`},
	} {
		f := failures(t, func() { expectError(answer(c.status, c.body), nil, 403, "a join") })
		if len(f) == 0 || !strings.Contains(f[0], c.says) || !strings.Contains(f[0], "The exchange:") {
			t.Errorf("expectError(%d %s) failures %q, want one saying %q and showing the exchange", c.status, c.body, f, c.says)
		}
	}
}

func TestExpectErrcode(t *testing.T) {
	if f := failures(t, func() {
		expectErrcode(answer(403, `{"errcode":"M_FORBIDDEN","error":"x"}`), nil, "a join", "M_FORBIDDEN")
	}); len(f) != 0 {
		t.Errorf("M_FORBIDDEN fails the check: %q", f)
	}
	for _, body := range []string{`{"errcode":"M_BAD_STATE","error":"x"}`, `{"error":"x"}`} {
		if f := failures(t, func() { expectErrcode(answer(403, body), nil, "a join", "M_FORBIDDEN") }); len(f) == 0 {
			t.Errorf("%s passes the check", body)
		}
	}
}

func TestRoomStateDiff(t *testing.T) {
	ev := func(id string) csapi.Event { return csapi.Event{Fields: map[string]any{"event_id": id}} }
	before := roomState{"m.room.join_rules()": ev("$rules"), memberKey("@alice:hs"): ev("$alice")}
	if d := before.diff(roomState{"m.room.join_rules()": ev("$rules"), memberKey("@alice:hs"): ev("$alice")}); d != nil {
		t.Errorf("the same state has differences: %q", d)
	}
	for _, c := range []struct {
		after roomState
		says  string
	}{
		{roomState{"m.room.join_rules()": ev("$rules"), memberKey("@alice:hs"): ev("$alice"), memberKey("@bob:hs"): ev("$bob")}, "added   m.room.member(@bob:hs)"},
		{roomState{"m.room.join_rules()": ev("$rules2"), memberKey("@alice:hs"): ev("$alice")}, "changed m.room.join_rules() $rules"},
		{roomState{memberKey("@alice:hs"): ev("$alice")}, "removed m.room.join_rules() $rules"},
	} {
		d := before.diff(c.after)
		if len(d) != 1 || !strings.HasPrefix(d[0], c.says) {
			t.Errorf("diff = %q, want one line starting %q", d, c.says)
		}
	}
	if d := before.diff(roomState{"m.room.join_rules()": ev("$rules"), memberKey("@alice:hs"): ev("$alice2")}, memberKey("@alice:hs")); d != nil {
		t.Errorf("a change to an excepted key is reported: %q", d)
	}
}

func member(t *testing.T, id, user, membership string) csapi.Event {
	t.Helper()
	ev, err := csapi.ParseEvent([]byte(fmt.Sprintf(`{"event_id":%q,"type":"m.room.member","state_key":%q,"sender":"@carol:mock","content":{"membership":%q}}`, id, user, membership)))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestRefusedEventProblems(t *testing.T) {
	const bob, refused = "@bob:hs", "$forbidden-invite"
	banned := member(t, "$ban", bob, "ban")
	create := csapi.Event{Fields: map[string]any{"event_id": "$create", "type": "m.room.create", "state_key": ""}}
	before := roomState{"m.room.create()": create, memberKey(bob): banned}
	for _, c := range []struct {
		name  string
		after roomState
		says  string // "" when the state is right
	}{
		{"unchanged", roomState{"m.room.create()": create, memberKey(bob): banned}, ""},
		{"the forbidden invite replaced the ban", roomState{"m.room.create()": create, memberKey(bob): member(t, refused, bob, "invite")},
			"the refused event $forbidden-invite is the room's current m.room.member(@bob:hs)"},
		{"the forbidden invite added a member", roomState{"m.room.create()": create, memberKey(bob): banned, memberKey("@dave:hs"): member(t, refused, "@dave:hs", "invite")},
			"added   m.room.member(@dave:hs)"},
		{"another event changed the invitee's membership", roomState{"m.room.create()": create, memberKey(bob): member(t, "$other", bob, "invite")},
			"changed m.room.member(@bob:hs) $ban →"},
		{"a state event went missing", roomState{memberKey(bob): banned}, "removed m.room.create() $create"},
	} {
		p := refusedEventProblems(before, c.after, refused)
		if (len(p) == 0) != (c.says == "") {
			t.Errorf("%s: refusedEventProblems = %q, want ok=%t", c.name, p, c.says == "")
		}
		if c.says != "" && !strings.Contains(strings.Join(p, "\n"), c.says) {
			t.Errorf("%s: refusedEventProblems = %q, want it to say %q", c.name, p, c.says)
		}
	}
}

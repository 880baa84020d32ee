package membership

import (
	"fmt"
	"slices"
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

func TestDirectFlagProblems(t *testing.T) {
	if p := directFlagProblems(map[string]any{"membership": "invite", "is_direct": true}); p != nil {
		t.Errorf("a direct invite has problems: %q", p)
	}
	for _, c := range []struct {
		content map[string]any
		says    string
	}{
		{map[string]any{"membership": "invite"}, "content has no is_direct"},
		{map[string]any{"membership": "invite", "is_direct": false}, "is_direct is false, not true"},
		{map[string]any{"membership": "invite", "is_direct": "true"}, `is_direct is "true", not true`},
		{map[string]any{"membership": "join", "is_direct": true}, `membership is "join"`},
	} {
		if p := directFlagProblems(c.content); len(p) != 1 || p[0] != c.says && !strings.HasPrefix(p[0], c.says) {
			t.Errorf("directFlagProblems(%v) = %q, want one problem saying %q", c.content, p, c.says)
		}
	}
}

func timeline(t *testing.T, raws ...string) []csapi.Event {
	t.Helper()
	var out []csapi.Event
	for _, r := range raws {
		ev, err := csapi.ParseEvent([]byte(r))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func TestInviteOrderProblems(t *testing.T) {
	state := func(typ, key string) string {
		return fmt.Sprintf(`{"event_id":"$%s","type":%q,"state_key":%q,"sender":"@a:hs","content":{}}`, typ, typ, key)
	}
	invite := func(user string) string {
		return fmt.Sprintf(`{"event_id":"$i%s","type":"m.room.member","state_key":%q,"sender":"@a:hs","content":{"membership":"invite"}}`, user, user)
	}
	create, join, name, topic := state("m.room.create", ""), `{"type":"m.room.member","state_key":"@a:hs","sender":"@a:hs","content":{"membership":"join"}}`, state("m.room.name", ""), state("m.room.topic", "")
	message := `{"type":"m.room.message","sender":"@a:hs","content":{"body":"hi"}}`
	invitees := []string{"@b:hs", "@c:mock"}
	if p := inviteOrderProblems(timeline(t, create, join, name, topic, invite("@b:hs"), invite("@c:mock"), message), invitees, "m.room.name", "m.room.topic"); p != nil {
		t.Errorf("invites last: %q", p)
	}
	for _, c := range []struct {
		name string
		tl   []csapi.Event
		says string
	}{
		{"topic after the invites", timeline(t, create, join, name, invite("@b:hs"), invite("@c:mock"), topic), "m.room.topic() comes after the invite of @b:hs"},
		{"name between the invites", timeline(t, create, join, topic, invite("@c:mock"), name, invite("@b:hs")), "m.room.name() comes after the invite of @c:mock"},
		{"an invite missing", timeline(t, create, join, name, topic, invite("@b:hs")), "the invite of @c:mock is not in the timeline"},
		{"no topic", timeline(t, create, join, name, invite("@b:hs"), invite("@c:mock")), "m.room.topic is not in the timeline"},
	} {
		p := inviteOrderProblems(c.tl, invitees, "m.room.name", "m.room.topic")
		if !slices.Contains(p, c.says) {
			t.Errorf("%s: inviteOrderProblems = %q, want %q", c.name, p, c.says)
		}
	}
}

func TestSentBy(t *testing.T) {
	tl := timeline(t, `{"event_id":"$1","type":"m.room.message","sender":"@a:hs","content":{}}`,
		`{"event_id":"$2","type":"m.room.topic","state_key":"","sender":"@b:hs","content":{}}`,
		`{"event_id":"$3","type":"m.room.message","sender":"@b:hs","content":{}}`)
	if got := sentBy(tl, "@b:hs"); !slices.Equal(got, []string{"m.room.topic() $2", "m.room.message $3"}) {
		t.Errorf("sentBy = %q", got)
	}
	if got := sentBy(tl[:1], "@b:hs"); got != nil {
		t.Errorf("sentBy found %q in a timeline without bob's events", got)
	}
}

func TestStrippedStateProblems(t *testing.T) {
	want := []wantState{{"m.room.name", map[string]any{"name": "tea"}}, {"m.room.topic", map[string]any{"topic": "about tea"}}}
	events := func(raws ...string) []any {
		return eventObjects(timeline(t, raws...))
	}
	name := `{"type":"m.room.name","state_key":"","sender":"@a:hs","content":{"name":"tea"}}`
	// A topic as create_room.yaml makes it, with its m.topic block, in a full PDU.
	topic := `{"type":"m.room.topic","state_key":"","sender":"@a:hs","content":{"topic":"about tea","m.topic":{"m.text":[{"body":"about tea"}]}},"hashes":{"sha256":"x"}}`
	if p := strippedStateProblems(events(name, topic), want...); p != nil {
		t.Errorf("name and topic there: %q", p)
	}
	for _, c := range []struct {
		name   string
		events []any
		says   string
	}{
		{"no topic", events(name), "m.room.topic is missing"},
		{"no name", events(topic), "m.room.name is missing"},
		{"another name", events(`{"type":"m.room.name","state_key":"","sender":"@a:hs","content":{"name":"coffee"}}`, topic), `m.room.name: content.name is "coffee", not "tea"`},
		{"a topic with a state key", events(name, `{"type":"m.room.topic","state_key":"x","sender":"@a:hs","content":{"topic":"about tea"}}`), "m.room.topic is missing"},
		{"a topic without content", events(name, `{"type":"m.room.topic","state_key":"","sender":"@a:hs"}`), "m.room.topic: content.topic is null"},
	} {
		p := strippedStateProblems(c.events, want...)
		if len(p) != 1 || !strings.HasPrefix(p[0], c.says) {
			t.Errorf("%s: strippedStateProblems = %q, want one problem saying %q", c.name, p, c.says)
		}
	}
}

package match

import (
	"strings"
	"testing"

	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// outboundExpect checks m against actual: it must match when want is
// true; otherwise it must fail with a message holding every one of words.
func outboundExpect(t *testing.T, m types.GomegaMatcher, actual any, want bool, words ...string) {
	t.Helper()
	ok, err := m.Match(actual)
	if err != nil {
		t.Fatalf("Match: %v", err)
	}
	if ok != want {
		t.Fatalf("Match = %v, want %v\n%s", ok, want, m.FailureMessage(actual))
	}
	if want {
		return
	}
	msg := m.FailureMessage(actual)
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("the failure message lacks %q:\n%s", w, msg)
		}
	}
}

// outboundSigner is a signer for server and its published keys.
func outboundSigner(t *testing.T, server string) (*matrix.Signer, *matrix.ServerKeys) {
	t.Helper()
	s := signer(t, server)
	return s, keysOf(t, s)
}

// outboundRoom builds a create event and a join rules event of a room of
// version rv, hashed and signed by s, and returns them with the room ID.
func outboundRoom(t *testing.T, rv matrix.RoomVersion, s *matrix.Signer) (create, rules matrix.Object, roomID string) {
	t.Helper()
	alice := "@alice:" + s.ServerName
	roomID = "!room:" + s.ServerName
	create = matrix.Object{"type": "m.room.create", "state_key": "", "sender": alice,
		"content": map[string]any{"room_version": rv.ID}, "origin_server_ts": 1700000000000,
		"depth": 1, "prev_events": []any{}, "auth_events": []any{}}
	if rv.CreateEventHasRoomID {
		create["room_id"] = roomID
	}
	if rv.EventIDFormat == matrix.EventIDOpaque {
		create["event_id"] = "$create:" + s.ServerName
	}
	if err := s.HashAndSignEvent(rv, create); err != nil {
		t.Fatal(err)
	}
	createID, err := rv.EventID(create)
	if err != nil {
		t.Fatal(err)
	}
	if rv.RoomIDFromCreateEvent {
		if roomID, err = rv.CreateEventRoomID(create); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := rv.ReferenceHash(create)
	if err != nil {
		t.Fatal(err)
	}
	auth := []any{rv.EventRef(createID, ref)}
	if rv.RoomIDFromCreateEvent {
		auth = []any{} // v12: the create event is implied by the room ID
	}
	rules = matrix.Object{"type": "m.room.join_rules", "state_key": "", "sender": alice, "room_id": roomID,
		"content": map[string]any{"join_rule": "invite"}, "origin_server_ts": 1700000000001,
		"depth": 2, "prev_events": []any{rv.EventRef(createID, ref)}, "auth_events": auth}
	if rv.EventIDFormat == matrix.EventIDOpaque {
		rules["event_id"] = "$rules:" + s.ServerName
	}
	if err := s.HashAndSignEvent(rv, rules); err != nil {
		t.Fatal(err)
	}
	return create, rules, roomID
}

func TestOutboundBeFullPDUPassesFullEvents(t *testing.T) {
	for _, rv := range matrix.KnownVersions() {
		s, keys := outboundSigner(t, "hs")
		create, rules, roomID := outboundRoom(t, rv, s)
		outboundExpect(t, OutboundBeFullPDU(rv, roomID, keys), create, true)
		outboundExpect(t, OutboundBeFullPDU(rv, roomID, keys), map[string]any(rules), true)
		outboundExpect(t, OutboundBeFullPDU(rv, roomID), rules, true)
	}
}

func TestOutboundBeFullPDUFailsWrongEntries(t *testing.T) {
	rv10, rv1, rv12 := matrix.MustRoomVersion("10"), matrix.MustRoomVersion("1"), matrix.MustRoomVersion("12")
	s, keys := outboundSigner(t, "hs")
	_, other := outboundSigner(t, "hs")
	_, rules, roomID := outboundRoom(t, rv10, s)
	create1, _, room1 := outboundRoom(t, rv1, s)
	create12, rules12, room12 := outboundRoom(t, rv12, s)

	stripped := matrix.Object{"type": "m.room.join_rules", "state_key": "", "sender": "@alice:hs", "content": map[string]any{"join_rule": "invite"}}
	outboundExpect(t, OutboundBeFullPDU(rv10, roomID, keys), stripped, false,
		`"m.room.join_rules" entry is not`, "hashes: want object, got missing", "auth_events: want array, got missing",
		"depth: want integer, got missing", "room_id: want string, got missing", "signatures")

	changed := rules.Clone()
	changed["content"] = map[string]any{"join_rule": "public"}
	outboundExpect(t, OutboundBeFullPDU(rv10, roomID, keys), changed, false, "content hash mismatch")

	outboundExpect(t, OutboundBeFullPDU(rv10, "!elsewhere:hs", keys), rules, false, "not the invite's room !elsewhere:hs")

	outboundExpect(t, OutboundBeFullPDU(rv10, roomID, other), rules, false, "signatures:")

	noID := create1.Clone()
	delete(noID, "event_id")
	outboundExpect(t, OutboundBeFullPDU(rv1, room1), noID, false, "event_id: want string")

	pairs := rules.Clone()
	pairs["prev_events"] = []any{[]any{"$x:hs", map[string]any{"sha256": "abc"}}}
	outboundExpect(t, OutboundBeFullPDU(rv10, roomID), pairs, false, "prev_events")

	withRoom := create12.Clone()
	withRoom["room_id"] = room12
	outboundExpect(t, OutboundBeFullPDU(rv12, room12), withRoom, false, "create event has none")
	outboundExpect(t, OutboundBeFullPDU(rv12, "!other"), create12, false, "the create event defines room")
	outboundExpect(t, OutboundBeFullPDU(rv12, room12, keys), rules12, true)

	floaty := rules.Clone()
	floaty["depth"] = matrix.MustParseObject(`{"d":2.5}`)["d"]
	outboundExpect(t, OutboundBeFullPDU(rv10, roomID), floaty, false, "depth: want integer, got number")

	if _, err := OutboundBeFullPDU(rv10, roomID).Match("not an object"); err == nil {
		t.Error("a string was accepted as an event")
	}
}

func TestOutboundHoldStateEvent(t *testing.T) {
	state := []any{
		map[string]any{"type": "m.room.create", "state_key": "", "content": map[string]any{}},
		map[string]any{"type": "m.room.name", "state_key": "", "content": map[string]any{"name": "x"}},
		"junk",
	}
	outboundExpect(t, OutboundHoldStateEvent("m.room.create", ""), state, true)
	outboundExpect(t, OutboundHoldStateEvent("m.room.name", ""), []matrix.Object{{"type": "m.room.name", "state_key": ""}}, true)
	outboundExpect(t, OutboundHoldStateEvent("m.room.join_rules", ""), state, false,
		`m.room.join_rules("")`, `m.room.create(""), m.room.name(""), #2: not an object`)
	outboundExpect(t, OutboundHoldStateEvent("m.room.create", "x"), state, false, `m.room.create("x")`)
	outboundExpect(t, OutboundHoldStateEvent("m.room.create", ""), []any{map[string]any{"type": "m.room.create"}}, false, "holds")
	outboundExpect(t, OutboundHoldStateEvent("m.room.create", ""), []any(nil), false, "holds nothing")
	if _, err := OutboundHoldStateEvent("m.room.create", "").Match(map[string]any{}); err == nil {
		t.Error("an object was accepted as a list")
	}
}

func TestOutboundBeFullInviteState(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	s, keys := outboundSigner(t, "hs")
	create, rules, roomID := outboundRoom(t, rv, s)
	full := []any{map[string]any(create), map[string]any(rules)}
	outboundExpect(t, OutboundBeFullInviteState(rv, roomID, keys), full, true)
	outboundExpect(t, OutboundBeFullInviteState(rv, roomID, keys), []matrix.Object{create}, true)

	// The wrong answers a check of each entry alone would let through.
	outboundExpect(t, OutboundBeFullInviteState(rv, roomID, keys), nil, false, "invite_room_state is absent", "observed: invite_room_state is absent")
	outboundExpect(t, OutboundBeFullInviteState(rv, roomID, keys), []any{}, false, "invite_room_state is empty", "MUST contain the m.room.create event")
	outboundExpect(t, OutboundBeFullInviteState(rv, roomID, keys), []matrix.Object(nil), false, "is empty")
	outboundExpect(t, OutboundBeFullInviteState(rv, roomID, keys), map[string]any{"0": map[string]any(create)}, false, "not an array")
	outboundExpect(t, OutboundBeFullInviteState(rv, roomID, keys), []any{map[string]any(create), "x"}, false, `has "x", not an event`)

	// An entry that is not full fails as OutboundBeFullPDU says.
	stripped := map[string]any{"type": "m.room.join_rules", "state_key": "", "sender": "@alice:hs", "content": map[string]any{"join_rule": "invite"}}
	outboundExpect(t, OutboundBeFullInviteState(rv, roomID, keys), []any{map[string]any(create), stripped}, false,
		`"m.room.join_rules" entry is not`, "hashes: want object, got missing")
}

func TestOutboundHoldEveryStateEvent(t *testing.T) {
	ev := func(typ string) map[string]any { return map[string]any{"type": typ, "state_key": ""} }
	all := []any{ev("m.room.create"), ev("m.room.avatar"), ev("m.room.canonical_alias"), ev("m.room.join_rules"), ev("m.room.name")}
	summary := []string{"m.room.avatar", "m.room.canonical_alias", "m.room.join_rules", "m.room.name"}
	outboundExpect(t, OutboundHoldEveryStateEvent(summary...), all, true)
	// A sample of the list is not the list.
	outboundExpect(t, OutboundHoldEveryStateEvent(summary...), []any{ev("m.room.join_rules"), ev("m.room.name")}, false,
		`lacks m.room.avatar(""), m.room.canonical_alias("")`, "observed: lacks m.room.avatar")
	outboundExpect(t, OutboundHoldEveryStateEvent(summary...), []any{ev("m.room.avatar"), map[string]any{"type": "m.room.name", "state_key": "x"}, ev("m.room.canonical_alias"), ev("m.room.join_rules")}, false,
		`lacks m.room.name("")`)
	outboundExpect(t, OutboundHoldEveryStateEvent(summary...), []any(nil), false, "holds nothing")
}

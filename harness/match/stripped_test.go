package match

import (
	"testing"

	"herald/harness/csapi"
	"herald/harness/matrix"
)

func TestContainStrippedStateOf(t *testing.T) {
	sent := []matrix.Object{
		matrix.MustParseObject(`{"type":"m.room.create","state_key":"","sender":"@a:m","content":{"room_version":"10"},"hashes":{"sha256":"x"}}`),
		matrix.MustParseObject(`{"type":"m.room.name","state_key":"","sender":"@a:m","content":{"name":"Room"}}`),
	}
	events := func(raws ...string) []csapi.Event {
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
	create := `{"type":"m.room.create","state_key":"","sender":"@a:m","content":{"room_version":"10"}}`
	passes(t, ContainStrippedStateOf(sent), events(create,
		`{"type":"m.room.name","state_key":"","sender":"@a:m","content":{"name":"Room"}}`,
		`{"type":"m.room.member","state_key":"@b:hs","sender":"@a:m","content":{"membership":"invite"}}`))
	fails(t, ContainStrippedStateOf(sent), events(create), `m.room.name(""): missing`, `the invite state has: m.room.create("")`)
	fails(t, ContainStrippedStateOf(sent), events(create,
		`{"type":"m.room.name","state_key":"","sender":"@x:m","content":{"name":"Other"}}`),
		`m.room.name(""): sender: sent "@a:m", returned "@x:m"`, `m.room.name(""): content.name: sent "Room", returned "Other"`)
	if _, err := ContainStrippedStateOf(sent).Match("x"); err == nil {
		t.Error("a string was accepted as invite state")
	}
}

func TestContainStrippedStateOfReadsJSONOnly(t *testing.T) {
	sent := []matrix.Object{matrix.MustParseObject(`{"type":"m.room.name","state_key":"","sender":"@a:hs","content":{"name":"x"}}`)}
	m := ContainStrippedStateOf(sent)
	// Any value that encodes as a JSON array of events is read.
	raw := []map[string]any{{"type": "m.room.name", "state_key": "", "sender": "@a:hs", "content": map[string]any{"name": "x"}}}
	if ok, err := m.Match(raw); !ok || err != nil {
		t.Errorf("plain JSON events were not read: ok=%v err=%v", ok, err)
	}
	for _, bad := range []any{"not events", []any{"not an object"}, map[string]any{"type": "m.room.name"}} {
		if _, err := m.Match(bad); err == nil {
			t.Errorf("%#v was accepted as the events of an invite_state", bad)
		}
	}
}

func TestHaveOnlyStrippedKeys(t *testing.T) {
	name := `{"type":"m.room.name","state_key":"","sender":"@a:m","content":{"name":"Room"}}`
	member := `{"type":"m.room.member","state_key":"@b:hs","sender":"@a:m","content":{"membership":"invite"}}`
	// A full PDU of room version 10 as the inviting server sent it.
	pdu := `{"type":"m.room.create","state_key":"","sender":"@a:m","content":{"room_version":"10"},"room_id":"!r:m",
		"auth_events":[],"prev_events":[],"depth":1,"origin_server_ts":1,"hashes":{"sha256":"x"},"signatures":{"m":{"ed25519:k":"s"}}}`
	list := func(raws ...string) []any {
		var out []any
		for _, r := range raws {
			out = append(out, map[string]any(matrix.MustParseObject(r)))
		}
		return out
	}
	passes(t, HaveOnlyStrippedKeys(), list(name, member))
	fails(t, HaveOnlyStrippedKeys(), list(name, pdu), "1 of its 2 events carry more",
		`m.room.create("") has auth_events, depth, hashes, origin_server_ts, prev_events, room_id, signatures`,
		"observed: invite state events carry keys beyond the stripped four: m.room.create has auth_events, depth, hashes")
	// The invitee's own membership event in client format.
	fails(t, HaveOnlyStrippedKeys(), list(name, `{"type":"m.room.member","state_key":"@b:hs","sender":"@a:m","content":{"membership":"invite"},
		"event_id":"$e","origin_server_ts":1,"unsigned":{"age":1},"room_id":"!r:m"}`),
		`m.room.member("@b:hs") has event_id, origin_server_ts, room_id, unsigned`)
	// One extra key is enough.
	fails(t, HaveOnlyStrippedKeys(), list(`{"type":"m.room.name","state_key":"","sender":"@a:m","content":{"name":"Room"},"event_id":"$e"}`),
		`m.room.name("") has event_id`)
	fails(t, HaveOnlyStrippedKeys(), []any{}, "holds no events")
	fails(t, HaveOnlyStrippedKeys(), list(), "holds no events", "observed: invite state holds no events")
	if _, err := HaveOnlyStrippedKeys().Match("x"); err == nil {
		t.Error("a string was accepted as invite state")
	}
}

package matrix

import (
	"errors"
	"strings"
	"testing"
)

// sampleEvent is the appendix's signed minimal event without origin, so
// that every redaction algorithm keeps the same keys. Expected IDs were
// computed independently with Python's json/hashlib following the
// appendix's reference canonical_json code.
const sampleEvent = `{
    "auth_events": [], "content": {}, "depth": 3,
    "hashes": {"sha256": "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos"},
    "origin_server_ts": 1000000, "prev_events": [], "room_id": "!x:domain",
    "sender": "@a:domain", "signatures": {"domain": {"ed25519:1": "x"}},
    "type": "X", "unsigned": {"age_ts": 1000000}
}`

func TestEventIDPerVersion(t *testing.T) {
	const (
		v3ID = "$70O/oKlXzFbkfu0KE88USi98DjSWrOELrPj+8tisl8I"
		v4ID = "$70O_oKlXzFbkfu0KE88USi98DjSWrOELrPj-8tisl8I"
	)
	for _, rv := range KnownVersions() {
		t.Run("v"+rv.ID, func(t *testing.T) {
			ev := MustParseObject(sampleEvent)
			if rv.EventIDFormat == EventIDOpaque {
				if _, err := rv.EventID(ev); err == nil {
					t.Error("opaque version without event_id: want error")
				}
				ev["event_id"] = "$abc123:domain"
			}
			id, err := rv.EventID(ev)
			if err != nil {
				t.Fatal(err)
			}
			var want string
			switch rv.ID {
			case "1", "2":
				want = "$abc123:domain"
			case "3":
				want = v3ID
			default:
				want = v4ID
			}
			if id != want {
				t.Errorf("event ID = %s, want %s", id, want)
			}
			if err := rv.CheckEventIDFormat(id); err != nil {
				t.Error(err)
			}
			if rv.EventIDFormat != EventIDOpaque {
				if !strings.HasPrefix(id, "$") || len(id) != 44 {
					t.Errorf("event ID %q: want $ + 43 characters", id)
				}
				// Unsigned data and signatures do not change the ID.
				ev["unsigned"] = map[string]any{"age": 1}
				ev["signatures"] = map[string]any{}
				if id2, _ := rv.EventID(ev); id2 != id {
					t.Errorf("ID changed with unsigned/signatures: %s", id2)
				}
			}
		})
	}
}

func TestCheckEventIDFormat(t *testing.T) {
	long := "$" + strings.Repeat("a", 250) + ":domain"
	event, room := RoomVersion.CheckEventIDFormat, RoomVersion.CheckRoomIDFormat
	tests := []struct {
		check       func(RoomVersion, string) error
		version, id string
		ok          bool
	}{
		{event, "1", "$abc:example.org", true},
		{event, "2", "$abc:example.org:8448", true},
		{event, "1", "$abc", false},
		{event, "1", "abc:example.org", false},
		{event, "1", "$:example.org", false},
		{event, "1", "$abc:", false},
		{event, "1", long, false},
		{event, "3", "$70O/oKlXzFbkfu0KE88USi98DjSWrOELrPj+8tisl8I", true},
		{event, "3", "$70O_oKlXzFbkfu0KE88USi98DjSWrOELrPj-8tisl8I", false},
		{event, "3", "$70O/oKlXzFbkfu0KE88USi98DjSWrOELrPj+8tisl8", false},
		{event, "3", "$abc:example.org", false},
		{event, "4", "$70O_oKlXzFbkfu0KE88USi98DjSWrOELrPj-8tisl8I", true},
		{event, "4", "$70O/oKlXzFbkfu0KE88USi98DjSWrOELrPj+8tisl8I", false},
		{event, "10", "$70O_oKlXzFbkfu0KE88USi98DjSWrOELrPj-8tisl8I=", false},
		{event, "12", "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg", true}, // rooms/fragments/v4-event-ids.md
		{event, "3", "$CD66HAED5npg6074c6pDtLKalHjVfYb2q4Q3LZgrW6o", true},  // rooms/v3.md
		{event, "12", "!Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg", false},
		{room, "1", "!x:domain", true},
		{room, "11", "!jEsUZKDJdhlrceRyVU:example.org", true},
		{room, "11", "!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ", false},
		{room, "12", "!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ", true}, // pdu_v12 example
		{room, "12", "!x:domain", false},
		{room, "12", "$Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ", false},
	}
	for _, tt := range tests {
		err := tt.check(MustRoomVersion(tt.version), tt.id)
		if (err == nil) != tt.ok {
			t.Errorf("v%s %q: err = %v, want ok=%v", tt.version, tt.id, err, tt.ok)
		}
	}
}

func TestCreateEventRoomID(t *testing.T) {
	create := MustParseObject(`{"type":"m.room.create","state_key":"","sender":"@creator:hs1",
		"content":{"room_version":"12","additional_creators":["@other:hs2"],"m.federate":true},
		"depth":1,"prev_events":[],"auth_events":[],"origin_server_ts":1700000000000,"unsigned":{"age":5}}`)
	v12 := MustRoomVersion("12")
	if err := v12.AddContentHash(create); err != nil {
		t.Fatal(err)
	}
	// Expected values computed independently with Python.
	if h, _ := create.GetObject("hashes"); h["sha256"] != "BvFlA8xZSUGJW/93EhYOGI/NsVSIrkaGAuMcb9XW3CU" {
		t.Errorf("content hash = %v", h["sha256"])
	}
	s := vectorSigner(t)
	if err := s.SignEvent(v12, create); err != nil {
		t.Fatal(err)
	}
	id, err := v12.CreateEventRoomID(create)
	if err != nil {
		t.Fatal(err)
	}
	if want := "!kEa-fKohlBP0k6dMh3LKEHv3k0ALo0cUFYYxKxKnzFM"; id != want {
		t.Errorf("room ID = %s, want %s", id, want)
	}
	if err := v12.CheckRoomIDFormat(id); err != nil {
		t.Error(err)
	}
	evID, _ := v12.EventID(create)
	if evID[1:] != id[1:] {
		t.Errorf("room ID %s is not the create event ID %s with sigil !", id, evID)
	}
	if _, err := MustRoomVersion("11").CreateEventRoomID(create); err == nil {
		t.Error("v11: want error")
	}
	msg := create.Clone()
	msg["type"] = "m.room.message"
	if _, err := v12.CreateEventRoomID(msg); err == nil {
		t.Error("non-create event: want error")
	}
}

func TestEventRefs(t *testing.T) {
	// Synapse's v1 format: [id, {"sha256": hash}] pairs.
	v1Event := MustParseObject(`{"prev_events":[["$a:hs1",{"sha256":"abc"}],["$b:hs1",{}]],"auth_events":[]}`)
	v1 := MustRoomVersion("1")
	ids, err := v1.EventRefs(v1Event, "prev_events")
	if err != nil || strings.Join(ids, ",") != "$a:hs1,$b:hs1" {
		t.Errorf("v1 prev_events = %v, %v", ids, err)
	}
	if ids, err := v1.EventRefs(v1Event, "auth_events"); err != nil || len(ids) != 0 {
		t.Errorf("v1 auth_events = %v, %v", ids, err)
	}
	if _, err := v1.EventRefs(MustParseObject(`{"prev_events":["$a:hs1"]}`), "prev_events"); err == nil {
		t.Error("v1 plain list: want error")
	}
	v4 := MustRoomVersion("4")
	ids, err = v4.EventRefs(MustParseObject(`{"prev_events":["$x","$y"]}`), "prev_events")
	if err != nil || strings.Join(ids, ",") != "$x,$y" {
		t.Errorf("v4 prev_events = %v, %v", ids, err)
	}
	if _, err := v4.EventRefs(v1Event, "prev_events"); err == nil {
		t.Error("v4 pairs: want error")
	}
	if _, err := v4.EventRefs(Object{}, "prev_events"); err == nil {
		t.Error("missing field: want error")
	}
	got, _ := CanonicalJSON([]any{v1.EventRef("$a:hs1", []byte{1, 2, 3}), v4.EventRef("$x", nil)})
	if string(got) != `[["$a:hs1",{"sha256":"AQID"}],"$x"]` {
		t.Errorf("EventRef = %s", got)
	}
	id := NewOpaqueID('$', "hs1:8448")
	if err := v1.CheckEventIDFormat(id); err != nil || !strings.HasSuffix(id, ":hs1:8448") {
		t.Errorf("NewOpaqueID = %q, %v", id, err)
	}
	if err := v1.CheckRoomIDFormat(NewOpaqueID('!', "hs1")); err != nil {
		t.Error(err)
	}
}

// TestV1PairsSurviveHashing checks byte fidelity for Synapse's v1-room
// event references: hashing and signing must see the pairs exactly as
// received.
func TestV1PairsSurviveHashing(t *testing.T) {
	raw := `{"auth_events":[["$c:hs1",{"sha256":"Zm9v"}]],"content":{"membership":"invite"},"depth":5,
		"event_id":"$inv:hs1","origin":"hs1","origin_server_ts":1,"prev_events":[["$p:hs1",{}]],
		"room_id":"!r:hs1","sender":"@u:hs1","state_key":"@v:hs2","type":"m.room.member"}`
	v1 := MustRoomVersion("1")
	ev := MustParseObject(raw)
	s := vectorSigner(t)
	if err := s.HashAndSignEvent(v1, ev); err != nil {
		t.Fatal(err)
	}
	// Round trip through bytes, as over the wire.
	wire, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(wire), `"prev_events":[["$p:hs1",{}]]`) {
		t.Errorf("pairs rewritten: %s", wire)
	}
	back := MustParseObject(string(wire))
	if err := v1.CheckContentHash(back); err != nil {
		t.Error(err)
	}
	if err := v1.VerifyEventSignature(back, "domain", "ed25519:1", s.PublicKey()); err != nil {
		t.Error(err)
	}
	// Rewriting a pair (as a struct round trip would) breaks the hash.
	back["prev_events"] = []any{[]any{"$p:hs1", map[string]any{"sha256": ""}}}
	if err := v1.CheckContentHash(back); !errors.Is(err, ErrContentHashMismatch) {
		t.Errorf("rewritten pair: %v", err)
	}
}

func TestRequiredSigners(t *testing.T) {
	ev := MustParseObject(`{"sender":"@u:hs1","event_id":"$e:hs2"}`)
	if got, err := MustRoomVersion("1").RequiredSigners(ev); err != nil || strings.Join(got, ",") != "hs1,hs2" {
		t.Errorf("v1: %v, %v", got, err)
	}
	ev["event_id"] = "$e:hs1"
	if got, err := MustRoomVersion("2").RequiredSigners(ev); err != nil || strings.Join(got, ",") != "hs1" {
		t.Errorf("v2 same server: %v, %v", got, err)
	}
	delete(ev, "event_id")
	if _, err := MustRoomVersion("2").RequiredSigners(ev); err == nil {
		t.Error("v2 without event_id: want error")
	}
	ev["sender"] = "@u:hs3:8448"
	if got, err := MustRoomVersion("10").RequiredSigners(ev); err != nil || strings.Join(got, ",") != "hs3:8448" {
		t.Errorf("v10: %v, %v", got, err)
	}
	ev["sender"] = "!r:hs"
	if _, err := MustRoomVersion("10").RequiredSigners(ev); err == nil {
		t.Error("room ID as sender: want error")
	}
	for id, want := range map[string]string{"@a:b": "b", "#a:b.c:1": "b.c:1", "!r:x": "x", "$e:y": "y", "@a": "", "a:b": "", "@a:": "", "": ""} {
		if got, _ := ServerNameOf(id); got != want {
			t.Errorf("ServerNameOf(%q) = %q, want %q", id, got, want)
		}
	}
}

package match

import (
	"herald/harness/fingerprint"
	"testing"

	"herald/harness/matrix"
)

func TestEqualExceptSignaturesOf(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	mock, hs := signer(t, "mock:8448"), signer(t, "hs1")
	sent := invite(t, rv, mock)
	countersigned := func() matrix.Object {
		c := sent.Clone()
		if err := hs.SignEvent(rv, c); err != nil {
			t.Fatal(err)
		}
		return c
	}

	passes(t, EqualExceptSignaturesOf(sent, "hs1"), countersigned())
	passes(t, EqualExceptSignaturesOf(sent, "hs1"), sent) // nothing added is not this matcher's concern

	withHash := countersigned()
	withHash["hashes"] = map[string]any{"sha256": "x"}
	fails(t, EqualExceptSignaturesOf(sent, "hs1"), withHash, "1 field(s) changed", `hashes.sha256: sent "`)

	changed := countersigned()
	changed["content"] = map[string]any{"membership": "join"}
	delete(changed, "depth")
	fails(t, EqualExceptSignaturesOf(sent, "hs1"), changed,
		`content.membership: sent "invite", returned "join"`, "depth: removed (sent 5)",
		"\nobserved: changed content.membership, depth (removed)")

	stripped := countersigned()
	sigs, _ := stripped.GetObject("signatures")
	delete(sigs, "mock:8448")
	m := EqualExceptSignaturesOf(sent, "hs1")
	fails(t, m, stripped, `signatures["mock:8448"]: removed`, `observed: changed signatures["mock:8448"] (removed)`)
	if got := fingerprint.Of(m.FailureMessage(stripped)); got != `changed signatures["<host>"] (removed)` {
		t.Errorf("the fingerprint keeps the server's name: %s", got)
	}

	unsignedSent := sent.Clone()
	delete(unsignedSent, "signatures")
	onlyHS := unsignedSent.Clone()
	if err := hs.SignEvent(rv, onlyHS); err != nil {
		t.Fatal(err)
	}
	passes(t, EqualExceptSignaturesOf(unsignedSent, "hs1"), onlyHS)

	if _, err := EqualExceptSignaturesOf(sent, "hs1").Match(42); err == nil {
		t.Error("a number was accepted as an event")
	}
}

func TestHaveEventID(t *testing.T) {
	for _, id := range []string{"1", "3", "4", "12"} {
		rv := matrix.MustRoomVersion(id)
		ev := invite(t, rv, signer(t, "mock"))
		want, err := rv.EventID(ev)
		if err != nil {
			t.Fatal(err)
		}
		passes(t, HaveEventID(rv, want), ev)
		bad := ev.Clone()
		if rv.EventIDFormat == matrix.EventIDOpaque {
			bad["event_id"] = "$other:mock"
		} else {
			bad["origin_server_ts"] = 1
		}
		fails(t, HaveEventID(rv, want), bad, "expected the event to have ID "+want, "room v"+id)
		noID := ev.Clone()
		delete(noID, "event_id")
		delete(noID, "hashes")
		delete(noID, "type")
		if rv.EventIDFormat == matrix.EventIDOpaque {
			fails(t, HaveEventID(rv, want), noID, "it has none")
		}
	}
}

func TestHaveValidContentHash(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	ev := invite(t, rv, signer(t, "mock"))
	passes(t, HaveValidContentHash(rv), ev)
	bad := ev.Clone()
	bad["content"] = map[string]any{"membership": "invite", "reason": "changed"}
	fails(t, HaveValidContentHash(rv), bad, "content hash mismatch", "room v10")
	unhashed := ev.Clone()
	delete(unhashed, "hashes")
	fails(t, HaveValidContentHash(rv), unhashed, "no hashes")
}

func TestEqualExceptSignaturesOfLeavesUnsignedAside(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	mock, hs := signer(t, "mock:8448"), signer(t, "hs1")
	sent := invite(t, rv, mock)
	returned := sent.Clone()
	if err := hs.SignEvent(rv, returned); err != nil {
		t.Fatal(err)
	}
	returned["unsigned"] = map[string]any{"age": 3}
	passes(t, EqualExceptSignaturesOf(sent, "hs1"), returned) // KeepUnsignedOf judges it
	returned["origin_server_ts"] = 1
	fails(t, EqualExceptSignaturesOf(sent, "hs1"), returned, "origin_server_ts: sent 1700000000000, returned 1", "observed: changed origin_server_ts")
}

func TestKeepUnsignedOf(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	sent := invite(t, rv, signer(t, "mock:8448"))
	full := matrix.MustParseObject(`{"type":"m.room.create","state_key":"","sender":"@alice:mock","content":{"room_version":"10"},"depth":1,"hashes":{"sha256":"x"}}`)
	name := matrix.MustParseObject(`{"type":"m.room.name","state_key":"","sender":"@alice:mock","content":{"name":"n"},"depth":2}`)
	state := []matrix.Object{full, name}
	with := func(unsigned any) matrix.Object {
		c := sent.Clone()
		c["unsigned"] = unsigned
		return c
	}
	list := func(items ...any) []any { return items }

	// What the spec allows: nothing, an empty object, the request's
	// state added whole (v1.16's example) or stripped (the seed's).
	passes(t, KeepUnsignedOf(sent, state), sent)
	passes(t, KeepUnsignedOf(sent, state), with(map[string]any{}))
	passes(t, KeepUnsignedOf(sent, state), with(map[string]any{"invite_room_state": list(map[string]any(name), map[string]any(full))}))
	passes(t, KeepUnsignedOf(sent, state), with(map[string]any{"invite_room_state": list(strippedOf(full), strippedOf(name))}))

	// Wrong answers.
	fails(t, KeepUnsignedOf(sent, state), with(map[string]any{"age": 5}), "unsigned.age: added 5", "observed: changed unsigned.age (added)")
	fails(t, KeepUnsignedOf(sent, state), with(map[string]any{"invite_room_state": list(strippedOf(full))}),
		`no entry equal to m.room.name("")`, "observed: changed unsigned.invite_room_state (entry missing or changed)")
	fails(t, KeepUnsignedOf(sent, state), with(map[string]any{"invite_room_state": list(strippedOf(full), strippedOf(name), map[string]any{"type": "m.room.topic"})}),
		"which is not in the request's invite_room_state", "entry not sent")
	changed := strippedOf(name)
	changed["content"] = map[string]any{"name": "other"}
	fails(t, KeepUnsignedOf(sent, state), with(map[string]any{"invite_room_state": list(strippedOf(full), changed)}), `m.room.name("")`)
	fails(t, KeepUnsignedOf(sent, nil), with(map[string]any{"invite_room_state": list(strippedOf(full))}), "not in the request's invite_room_state")
	fails(t, KeepUnsignedOf(sent, state), with(map[string]any{"invite_room_state": map[string]any{}}), "not an array")
	fails(t, KeepUnsignedOf(sent, state), with("x"), "not an object")

	// v1: the sent event carries unsigned.invite_room_state; it must come
	// back (whole or stripped), and nothing else may change.
	v1sent := with(map[string]any{"invite_room_state": list(map[string]any(full), map[string]any(name))})
	passes(t, KeepUnsignedOf(v1sent, nil), v1sent)
	passes(t, KeepUnsignedOf(v1sent, nil), with(map[string]any{"invite_room_state": list(strippedOf(full), strippedOf(name))}))
	fails(t, KeepUnsignedOf(v1sent, nil), with(map[string]any{}), "unsigned.invite_room_state: removed", "observed: changed unsigned.invite_room_state (removed)")
	fails(t, KeepUnsignedOf(v1sent, nil), sent, "removed")
	fails(t, KeepUnsignedOf(v1sent, nil), with(map[string]any{"invite_room_state": list(map[string]any(full))}), "of the sent unsigned.invite_room_state")

	if _, err := KeepUnsignedOf(sent, nil).Match(42); err == nil {
		t.Error("a number was accepted as an event")
	}
}

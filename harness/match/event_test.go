package match

import (
	"testing"

	"herald/harness/spec"
)

func TestEqualExceptSignaturesOf(t *testing.T) {
	rv := spec.MustRoomVersion("10")
	mock, hs := signer(t, "mock:8448"), signer(t, "hs1")
	sent := invite(t, rv, mock)
	countersigned := func() spec.Object {
		c := sent.Clone()
		if err := hs.SignEvent(rv, c); err != nil {
			t.Fatal(err)
		}
		return c
	}

	passes(t, EqualExceptSignaturesOf(sent, "hs1"), countersigned())
	passes(t, EqualExceptSignaturesOf(sent, "hs1"), sent) // nothing added is not this matcher's concern

	withUnsigned := countersigned()
	withUnsigned["unsigned"] = map[string]any{}
	fails(t, EqualExceptSignaturesOf(sent, "hs1"), withUnsigned, "1 field(s) changed", "unsigned: added {} (not in what was sent)")

	changed := countersigned()
	changed["content"] = map[string]any{"membership": "join"}
	delete(changed, "depth")
	fails(t, EqualExceptSignaturesOf(sent, "hs1"), changed,
		`content.membership: sent "invite", returned "join"`, "depth: removed (sent 5)",
		"\nobserved: changed content.membership, depth (removed)")

	stripped := countersigned()
	sigs, _ := stripped.GetObject("signatures")
	delete(sigs, "mock:8448")
	fails(t, EqualExceptSignaturesOf(sent, "hs1"), stripped, `signatures["mock:8448"]: removed`,
		`observed: changed signatures["<host>"] (removed)`)

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
		rv := spec.MustRoomVersion(id)
		ev := invite(t, rv, signer(t, "mock"))
		want, err := rv.EventID(ev)
		if err != nil {
			t.Fatal(err)
		}
		passes(t, HaveEventID(rv, want), ev)
		bad := ev.Clone()
		if rv.EventIDFormat == spec.EventIDOpaque {
			bad["event_id"] = "$other:mock"
		} else {
			bad["origin_server_ts"] = 1
		}
		fails(t, HaveEventID(rv, want), bad, "expected the event to have ID "+want, "room v"+id)
		noID := ev.Clone()
		delete(noID, "event_id")
		delete(noID, "hashes")
		delete(noID, "type")
		if rv.EventIDFormat == spec.EventIDOpaque {
			fails(t, HaveEventID(rv, want), noID, "it has none")
		}
	}
}

func TestHaveValidContentHash(t *testing.T) {
	rv := spec.MustRoomVersion("10")
	ev := invite(t, rv, signer(t, "mock"))
	passes(t, HaveValidContentHash(rv), ev)
	bad := ev.Clone()
	bad["content"] = map[string]any{"membership": "invite", "reason": "changed"}
	fails(t, HaveValidContentHash(rv), bad, "content hash mismatch", "room v10")
	unhashed := ev.Clone()
	delete(unhashed, "hashes")
	fails(t, HaveValidContentHash(rv), unhashed, "no hashes")
}

package federation

import (
	"testing"

	"herald/harness/matrix"
)

func TestWithoutKeepsTheRestValid(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		s := start(t)
		room := s.CreateRoom(rv, s.User("alice"))
		ev := room.StateEvent("m.room.join_rules", "")
		for _, field := range []string{"type", "state_key", "sender", "content"} {
			out, err := s.Without(ev, field)
			if err != nil {
				t.Fatalf("without %s: %v", field, err)
			}
			if out.Fields.Has(field) {
				t.Errorf("without %s: still there", field)
			}
			if len(out.Fields) != len(ev.Fields)-1 {
				t.Errorf("without %s: %d fields, want %d", field, len(out.Fields), len(ev.Fields)-1)
			}
			if err := rv.CheckContentHash(out.Fields); err != nil {
				t.Errorf("without %s: %v", field, err)
			}
			if err := rv.VerifyEventSignature(out.Fields, s.Name(), s.KeyID(), s.Signer().PublicKey()); err != nil {
				t.Errorf("without %s: %v", field, err)
			}
			if rv.EventIDFormat != matrix.EventIDOpaque && out.ID == ev.ID {
				t.Errorf("without %s: the ID did not change", field)
			}
			if !ev.Fields.Has(field) {
				t.Errorf("the original lost %s", field)
			}
			if err := rv.VerifyEventSignature(mustWithoutOnly(ev, field).Fields, s.Name(), s.KeyID(), s.Signer().PublicKey()); err == nil {
				t.Errorf("dropping %s without signing again still verifies: the test proves nothing", field)
			}
		}
	})
}

// mustWithoutOnly drops field and signs nothing again.
func mustWithoutOnly(ev *Event, field string) *Event {
	c := ev.Clone()
	delete(c.Fields, field)
	return c
}

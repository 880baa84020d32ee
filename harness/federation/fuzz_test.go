package federation

import (
	"testing"

	"herald/harness/spec"
)

// FuzzTransaction feeds arbitrary transaction bodies to the inbound
// transaction parser: it must never panic, and must never accept a PDU
// into the mock's room without it passing the checks. Seeds are real
// transactions of the mock's own rooms.
func FuzzTransaction(f *testing.F) {
	s, err := Start(f.Context(), Env{CA: ca(f), Listen: loopback})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	for _, v := range []string{"1", "3", "10", "12"} {
		rv := spec.MustRoomVersion(v)
		alice := s.User("alice")
		room := s.CreateRoom(rv, alice)
		ev := room.MustEvent(ProtoEvent{Type: "m.room.message", Sender: alice, Content: map[string]any{"body": "seed"}})
		body, _ := spec.CanonicalJSONLax(map[string]any{
			"origin": s.Name(), "origin_server_ts": 1, "pdus": []any{map[string]any(ev.Fields)},
			"edus": []any{map[string]any{"edu_type": "m.typing", "content": map[string]any{}}},
		})
		f.Add(body)
	}
	f.Add([]byte(`{"origin":"x","pdus":[1,null,"",[],{}],"edus":{}}`))
	f.Add([]byte(`{"pdus":[{"room_id":7,"prev_events":[[1]],"auth_events":"x"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res := s.receiveTransaction(t.Context(), data, s.Name())
		for id, msg := range res.PDUs {
			if msg != "" {
				continue
			}
			// Accepted: it must be a verified event of a room the mock is in.
			ev := s.findEvent(id)
			if ev == nil {
				t.Fatalf("accepted %s but the mock does not hold it", id)
			}
			if err := ev.Version.CheckContentHash(ev.Fields); err != nil {
				t.Fatalf("accepted %s with a bad hash: %v", id, err)
			}
		}
	})
}

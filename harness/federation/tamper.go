package federation

import (
	"herald/harness/matrix"
)

// Answers of an invited server that returns another event than the one it
// was sent with its signature added, for the specs of what the inviting
// server must not store.

// ReturnUnderAnotherID answers an invite with the invite the mock
// countersigned moved to another event ID (in a room of version rv):
// event_id replaced where the room version carries it (rooms 1 and 2),
// origin_server_ts one millisecond later where the ID is the reference
// hash. The mock signs it again, so its own signature still verifies and
// only the inviting server's signature fails. moved receives the new ID.
func ReturnUnderAnotherID(rv matrix.RoomVersion, moved func(id string)) Handler {
	return func(r *Request) *Reply {
		s := r.Server()
		return ModifyEvent(func(ev matrix.Object) {
			if rv.EventIDFormat == matrix.EventIDOpaque {
				ev["event_id"] = matrix.NewOpaqueID('$', s.Name())
			} else {
				ts, _ := ev.GetInt("origin_server_ts")
				ev["origin_server_ts"] = ts + 1
			}
			sigs, _ := ev.GetObject("signatures")
			delete(sigs, s.Name())
			if err := s.Signer().SignEvent(rv, ev); err != nil {
				r.Check("the mock signs the invite it moved to another ID", err)
				return
			}
			id, err := rv.EventID(ev)
			if err != nil {
				r.Check("the ID of the invite the mock moved", err)
				return
			}
			moved(id)
		})(r)
	}
}

// ReturnUncountersigned answers an invite with 200 and the invite as it
// was sent, without the mock's signature: an invited server that never
// countersigned it.
func ReturnUncountersigned() Handler {
	return func(r *Request) *Reply {
		return ModifyEvent(func(ev matrix.Object) {
			sigs, _ := ev.GetObject("signatures")
			delete(sigs, r.Server().Name())
		})(r)
	}
}

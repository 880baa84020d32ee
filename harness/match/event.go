package match

import (
	"fmt"

	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// EqualExceptSignaturesOf matches an event that equals sent in every field
// except the signatures of server (which may be added or replaced) and
// unsigned: what invites-v1.yaml and invites-v2.yaml ask of an invited
// server ("the event with the invited server's signature added. All other
// fields of the events should remain untouched"). unsigned is left to
// KeepUnsignedOf, because the 200 example of invites-v2.yaml itself returns
// the event with unsigned.invite_room_state added. Its failure message
// names each field that changed, with the sent and the returned value.
//
//	Expect(returned).To(match.EqualExceptSignaturesOf(sent, hs.ServerName))
func EqualExceptSignaturesOf(sent matrix.Object, server string) types.GomegaMatcher {
	return objectMatcher(func(got matrix.Object) verdict {
		changes := changesBesidesSignatures(sent, got, server)
		return verdict{
			holds: len(changes) == 0,
			failure: fmt.Sprintf("expected the event back with only %s's signature added (unsigned aside), but %d field(s) changed:\n%s"+
				"(the spec: \"All other fields of the events should remain untouched\")\n%s",
				server, len(changes), describeChanges(changes), observed(changedFields(changes))),
			negated: fmt.Sprintf("expected the event to differ from the one sent in more than %s's signatures, but it does not", server),
		}
	})
}

// changesBesidesSignatures lists what changed from sent to returned,
// server's signatures and unsigned aside.
func changesBesidesSignatures(sent, returned matrix.Object, server string) []change {
	sent, returned = withoutSignaturesOf(sent, server), withoutSignaturesOf(returned, server)
	delete(sent, "unsigned")
	delete(returned, "unsigned")
	// An object left empty by the removal is no change when the other side
	// has no signatures at all.
	dropEmptySignatures(sent, returned)
	dropEmptySignatures(returned, sent)
	return diffJSON("", sent, returned)
}

// withoutSignaturesOf is a copy of event without server's signatures.
func withoutSignaturesOf(event matrix.Object, server string) matrix.Object {
	c := event.Clone()
	if sigs, ok := c.GetObject("signatures"); ok {
		delete(sigs, server)
	}
	return c
}

func dropEmptySignatures(event, other matrix.Object) {
	if sigs, ok := event.GetObject("signatures"); ok && len(sigs) == 0 && !other.Has("signatures") {
		delete(event, "signatures")
	}
}

// HaveEventID matches an event whose ID in room version rv is id: the
// event_id field in rooms v1 and v2, the reference hash from v3 on (so
// any change to a field the reference hash covers changes it).
func HaveEventID(rv matrix.RoomVersion, id string) types.GomegaMatcher {
	how := "computed from its reference hash"
	if rv.EventIDFormat == matrix.EventIDOpaque {
		how = "its event_id field"
	}
	return objectMatcher(func(event matrix.Object) verdict {
		got, err := rv.EventID(event)
		failure := fmt.Sprintf("expected the event to have ID %s (room v%s, %s), got %s: a field the ID covers changed", id, rv.ID, how, got)
		if err != nil {
			failure = fmt.Sprintf("expected the event to have ID %s (room v%s, %s), but it has none: %v", id, rv.ID, how, err)
		}
		return verdict{
			holds:   err == nil && got == id,
			failure: failure,
			negated: fmt.Sprintf("expected the event not to have ID %s (room v%s)", id, rv.ID),
		}
	})
}

// HaveValidContentHash matches an event whose hashes.sha256 is its
// content hash in room version rv (server-server-api.md "Calculating the
// content hash for an event").
func HaveValidContentHash(rv matrix.RoomVersion) types.GomegaMatcher {
	return objectMatcher(func(event matrix.Object) verdict {
		err := rv.CheckContentHash(event)
		return verdict{
			holds:   err == nil,
			failure: fmt.Sprintf("expected the event's hashes.sha256 to be its content hash (room v%s): %v\nthe event: %s", rv.ID, err, showJSON(event)),
			negated: fmt.Sprintf("expected the event's content hash not to match (room v%s), but it does", rv.ID),
		}
	})
}

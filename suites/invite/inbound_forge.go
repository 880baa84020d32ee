package invite

import (
	"context"
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// Bad invites for the refusal specs: each differs from a valid invite in
// exactly one way, and is otherwise hashed and signed correctly.

// resign hashes and signs obj again as remote, in room version rv, and
// returns it with its (new) ID.
func resign(remote *federation.Server, rv matrix.RoomVersion, obj matrix.Object) *federation.Event {
	GinkgoHelper()
	obj = obj.Clone()
	delete(obj, "hashes")
	delete(obj, "signatures")
	Expect(remote.Signer().HashAndSignEvent(rv, obj)).To(Succeed(), "signing the forged invite")
	ev, err := federation.NewEventFromObject(rv, obj)
	Expect(err).NotTo(HaveOccurred())
	return ev
}

// laxly is rv without strict canonical JSON: how a careless sender signs
// an event holding floats or huge integers in a v6+ room.
func laxly(rv matrix.RoomVersion) matrix.RoomVersion {
	rv.StrictCanonicalJSON = false
	return rv
}

// withContent is invite with extra content fields, hashed and signed by
// remote over lax canonical JSON (the fields may be floats or integers
// out of canonical JSON's range).
func withContent(remote *federation.Server, invite *federation.Event, extra map[string]any) *federation.Event {
	GinkgoHelper()
	obj := invite.Fields.Clone()
	content, _ := obj.GetObject("content")
	for k, v := range extra {
		content[k] = v
	}
	ev := resign(remote, laxly(invite.Version), obj)
	ev.Version = invite.Version
	return ev
}

// corruptSignature is invite with the mock's signature flipped in one bit.
func corruptSignature(remote *federation.Server, invite *federation.Event) *federation.Event {
	GinkgoHelper()
	ev := invite.Clone()
	sigs, _ := ev.Fields.GetObject("signatures")
	mine, ok := sigs.GetObject(remote.Name())
	Expect(ok).To(BeTrue(), "the mock signed the invite")
	raw, err := matrix.DecodeBase64(mine[remote.KeyID()].(string))
	Expect(err).NotTo(HaveOccurred())
	raw[0] ^= 1
	mine[remote.KeyID()] = matrix.EncodeBase64(raw)
	return ev
}

// withoutSignature is invite without the mock's signature (signatures is
// left an empty object).
func withoutSignature(remote *federation.Server, invite *federation.Event) *federation.Event {
	ev := invite.Clone()
	sigs, _ := ev.Fields.GetObject("signatures")
	delete(sigs, remote.Name())
	return ev
}

// putInvite sends body as an invite of eventID to roomID over api ("v1"
// or "v2"), encoded as lax canonical JSON (so forged numbers go out as
// they are), without the typed call's checks of the answer: the forged
// invite must be refused.
func putInvite(ctx context.Context, remote *federation.Server, api, roomID, eventID string, body any, opts ...federation.RequestOption) *federation.Response {
	GinkgoHelper()
	data, err := matrix.CanonicalJSONLax(body)
	Expect(err).NotTo(HaveOccurred(), "encoding the invite body")
	return putRaw(ctx, remote, api, roomID, eventID, data, opts...)
}

// putRaw sends data, byte for byte, as the body of an invite over api.
func putRaw(ctx context.Context, remote *federation.Server, api, roomID, eventID string, data []byte, opts ...federation.RequestOption) *federation.Response {
	GinkgoHelper()
	target := "/_matrix/federation/" + api + "/invite/" + url.PathEscape(roomID) + "/" + url.PathEscape(eventID)
	res, err := remote.Raw(ctx, http.MethodPut, target, data, opts...)
	Expect(err).NotTo(HaveOccurred(), "sending the %s invite", api)
	return res
}

// v2Body is the v2 request body for invite in room (with its
// invite_room_state).
func v2Body(room *federation.Room, invite *federation.Event) map[string]any {
	return federation.InviteV2Body(invite, room.InviteRoomState())
}

// forged is a bad invite, ready to send over either API.
type forged struct {
	ev   *federation.Event
	room *federation.Room // the room the invite is for
	// forBob: the invite names bob, so a refused one must never reach him.
	forBob bool
}

func (f forged) sendV2(ctx context.Context, remote *federation.Server) *federation.Response {
	GinkgoHelper()
	return putInvite(ctx, remote, "v2", f.room.ID, f.ev.ID, v2Body(f.room, f.ev))
}

func (f forged) sendV1(ctx context.Context, remote *federation.Server) *federation.Response {
	GinkgoHelper()
	return putInvite(ctx, remote, "v1", f.room.ID, f.ev.ID, federation.InviteV1Body(f.ev, f.room.InviteRoomState()))
}

// refusedRoom is the room whose invite must not reach bob, or "".
func (f forged) refusedRoom() string {
	if f.forBob {
		return f.room.ID
	}
	return ""
}

// refusal is how the server must answer an invite the receiver
// validation refuses: 400 in strict mode (the status M_INVALID_PARAM goes
// with in invites-v2.yaml); 400 or 403 otherwise, as deployed servers do
// (no status is mandated).
func refusal() []int {
	if conformance.Strict() {
		return []int{http.StatusBadRequest}
	}
	return []int{http.StatusBadRequest, http.StatusForbidden}
}

// guardAfterRefusal registers the guards of a spec that sends bad input
// (answered by res); they run after the rule's own check, also when that
// check failed as expected, and fail the run whatever the expectations say:
//   - the server still serves: a valid invite of bob to a new room of the
//     mock is answered 200 and reaches bob;
//   - nothing leaks to the invitee: when the server refused the bad invite
//     to refusedRoom ("" if it was not for bob), it never reaches bob
//     (an invite the server accepted is the rule's failure, not a leak).
func (s *inboundScene) guardAfterRefusal(ctx context.Context, res *federation.Response, refusedRoom string) {
	s.guardAfterRefusalOver(ctx, res, refusedRoom, false)
}

// guardAfterRefusalOver is guardAfterRefusal with the valid invite sent
// over the v1 API when v1 is set (for the room versions it serves).
func (s *inboundScene) guardAfterRefusalOver(ctx context.Context, res *federation.Response, refusedRoom string, v1 bool) {
	next := s.remote.CreateRoom(s.rv, s.alice, federation.RoomName("after the refusal"))
	var seen *csapi.SyncResponse
	// Once the valid invite shows in bob's /sync, an earlier invite the
	// server delivered would show too.
	syncPastNext := func() *csapi.SyncResponse {
		if seen == nil {
			seen = s.bob.MustSyncUntil(ctx, csapi.InvitedTo(next.ID))
		}
		return seen
	}
	conformance.Guard("the server still serves", func() {
		after := s.send(ctx, next.InviteEvent(s.alice, s.bob.UserID), v1)
		Expect(after).To(match.HaveStatus(http.StatusOK), "after bad input, the server must still accept a valid invite")
		syncPastNext()
	})
	if refusedRoom == "" {
		return
	}
	conformance.Guard("nothing leaks to the invitee", func() {
		if res == nil || res.StatusCode < 400 {
			return // not refused: the rule's own check judges that
		}
		Expect(syncPastNext().InvitedRooms()).NotTo(ContainElement(refusedRoom),
			"the server refused the invite to %s with %d, yet it reached %s (it shows under rooms.invite)", refusedRoom, res.StatusCode, s.bob.UserID)
	})
}

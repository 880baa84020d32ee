package invite

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/match"
)

// Bad invites for the refusal specs: the mock forges each (see
// federation's With… methods), differing from a valid invite in exactly
// one way.

// forgedBy is the event the mock forged, failing the spec if it could not.
func forgedBy(ev *federation.Event, err error) *federation.Event {
	GinkgoHelper()
	Expect(err).NotTo(HaveOccurred(), "the mock forging the invite")
	return ev
}

// putInvite sends body as an invite of eventID to roomID over api ("v1"
// or "v2"), without the typed call's checks of the answer: the forged
// invite must be refused.
func putInvite(ctx context.Context, remote *federation.Server, api, roomID, eventID string, body any) *federation.Response {
	GinkgoHelper()
	route := federation.InviteV2
	if api == "v1" {
		route = federation.InviteV1
	}
	return answered(api)(remote.SendForgedInvite(ctx, route, roomID, eventID, body))
}

// answered takes the homeserver's answer to a forged invite sent over api,
// failing the spec if none came.
func answered(api string) func(*federation.Response, error) *federation.Response {
	return func(res *federation.Response, err error) *federation.Response {
		GinkgoHelper()
		Expect(err).NotTo(HaveOccurred(), "sending the %s invite", api)
		return res
	}
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

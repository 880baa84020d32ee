package invite

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// The inbound checks the v1 and v2 rules share; v1 says which API sends
// the invite.

func (s *inboundScene) send(ctx context.Context, invite *federation.Event, v1 bool) *federation.Response {
	if v1 {
		return s.sendV1(ctx, invite)
	}
	return s.sendV2(ctx, invite)
}

// checkUntouched: the returned invite equals the sent one, field by field,
// apart from the homeserver's signature and unsigned (checkUnsigned).
func checkUntouched(ctx context.Context, rv matrix.RoomVersion, v1 bool) {
	_, _, res := validInvite(ctx, rv, v1)
	Expect(returnedEvent(res)).To(match.EqualExceptSignaturesOf(sentEvent(res, v1), bed.Homeserver().ServerName))
}

// checkUnsigned: the returned invite's unsigned is the sent one, or has
// invite_room_state added holding the request's invite_room_state, as the
// 200 example of invites-v2.yaml shows. In strict mode an empty unsigned
// where none was sent counts as a change too.
func checkUnsigned(ctx context.Context, rv matrix.RoomVersion, v1 bool) {
	_, _, res := validInvite(ctx, rv, v1)
	sent, returned := sentEvent(res, v1), returnedEvent(res)
	Expect(returned).To(match.KeepUnsignedOf(sent, sentState(res, v1)))
	if conformance.Strict() {
		Expect(returned.Has("unsigned")).To(Equal(sent.Has("unsigned")), "strict: unsigned is present in the returned invite only if it was in the sent one; returned %v", returned["unsigned"])
	}
}

// checkSigned: the returned invite has the sent ID and hashes, a valid
// content hash, the mock's signature still valid (so the signed content
// is unchanged) and a valid signature of the homeserver under a key it
// publishes.
func checkSigned(ctx context.Context, rv matrix.RoomVersion, v1 bool) {
	s, invite, res := validInvite(ctx, rv, v1)
	returned, sent := returnedEvent(res), sentEvent(res, v1)
	hs := bed.Homeserver().ServerName

	Expect(returned).To(match.HaveEventID(rv, invite.ID), "the event ID of the returned invite")
	Expect(returned["hashes"]).To(Equal(sent["hashes"]), "the returned invite's hashes must be the sent ones")
	Expect(returned).To(match.HaveValidContentHash(rv), "the returned invite's content hash")
	Expect(returned).To(match.BeSignedBy(s.remote.Name(), mockKeys(s.remote), rv),
		"the inviting server's signature must still verify on the returned invite (its signed content is unchanged)")
	Expect(returned).To(match.BeSignedBy(hs, s.homeserverKeys(ctx), rv),
		"the returned invite must carry %s's signature, made with a key it publishes", hs)
}

// checkSyncShowsInvite: the invitee finds the invite under rooms.invite.
func checkSyncShowsInvite(ctx context.Context, rv matrix.RoomVersion, v1 bool) {
	s, _, _ := validInvite(ctx, rv, v1)
	s.bob.MustSyncUntil(ctx, csapi.InvitedTo(s.room.ID))
}

// checkSyncShowsState: the invite state in /sync holds what the mock sent
// as invite_room_state, as stripped state.
func checkSyncShowsState(ctx context.Context, rv matrix.RoomVersion, v1 bool) {
	s, _, res := validInvite(ctx, rv, v1, federation.WithState("m.room.topic", "", map[string]any{"topic": "sent with the invite"}))
	state := sentState(res, v1)
	Expect(state).NotTo(BeEmpty())
	sr := s.bob.MustSyncUntil(ctx, csapi.InvitedTo(s.room.ID))
	Expect(sr.InviteState(s.room.ID)).To(match.ContainStrippedStateOf(state),
		"rooms.invite[%s].invite_state of %s's /sync", s.room.ID, s.bob.UserID)
}

// checkSyncStateKeys: the invite state in /sync holds stripped events
// only, though the mock sent full PDUs as invite_room_state. The
// invitee's own m.room.member is not part of what the mock sent: a local
// invite's rule (MEM-INVITE-STRIPPED-KEYS) judges how a server shows it.
func checkSyncStateKeys(ctx context.Context, rv matrix.RoomVersion, v1 bool) {
	s, _, res := validInvite(ctx, rv, v1, federation.WithState("m.room.topic", "", map[string]any{"topic": "sent with the invite"}))
	full := fullEvents(sentState(res, v1))
	Expect(full).NotTo(BeEmpty(), "the scene is wrong: the mock sent no full PDU in invite_room_state")
	api := "v2"
	if v1 {
		api = "v1"
	}
	sr := s.bob.MustSyncUntil(ctx, csapi.InvitedTo(s.room.ID))
	fromState := withoutMembershipOf(sr.InviteState(s.room.ID), s.bob.UserID)
	if len(fromState) == 0 {
		Skip(fmt.Sprintf("rooms.invite[%s].invite_state holds nothing but %s's membership: the server passed none of invite_room_state on (INV%s-SYNC-STATE reports that), so nothing was passed through unpruned",
			s.room.ID, s.bob.UserID, api[1:]))
	}
	Expect(fromState).To(match.HaveOnlyStrippedKeys(),
		"rooms.invite[%s].invite_state of %s's /sync (the invitee's own m.room.member left out), after a %s invite whose invite_room_state held %d full PDUs (%s)",
		s.room.ID, s.bob.UserID, api, len(full), strings.Join(full, ", "))
}

// withoutMembershipOf is an invite state without user's m.room.member.
func withoutMembershipOf(evs []csapi.Event, user string) []csapi.Event {
	var out []csapi.Event
	for _, ev := range evs {
		if ev.Type() != "m.room.member" || ev.StateKey() != user {
			out = append(out, ev)
		}
	}
	return out
}

// fullEvents names the entries of an invite_room_state that are full
// PDUs (they carry hashes and signatures), as type(state_key).
func fullEvents(state []matrix.Object) []string {
	var out []string
	for _, ev := range state {
		if ev.Has("hashes") && ev.Has("signatures") {
			typ, _ := ev.GetString("type")
			key, _ := ev.GetString("state_key")
			out = append(out, typ+"("+key+")")
		}
	}
	return out
}

// checkAccept: the invitee joins the invite-only room through make_join
// and send_join on the mock, which verifies and applies the join.
func checkAccept(ctx context.Context, rv matrix.RoomVersion, v1 bool) {
	s := invitedToPrivateRoom(ctx, rv, v1)

	join, err := s.bob.JoinRoomByID(ctx, s.room.ID)
	Expect(err).NotTo(HaveOccurred())
	Expect(join).To(match.HaveStatus(http.StatusOK), "%s accepting the invite to %s (POST /rooms/{roomId}/join)", s.bob.UserID, s.room.ID)
	Expect(s.remote.Journal.Requests()).To(federation.ContainInOrder(federation.RequestTo(federation.MakeJoin),
		Or(federation.RequestTo(federation.SendJoinV2), federation.RequestTo(federation.SendJoinV1))),
		"accepting a remote invite goes through make_join and send_join on the inviting server")
	Expect(s.room.Membership(s.bob.UserID)).To(Equal("join"), "%s's membership in the mock's room after accepting", s.bob.UserID)
	s.bob.MustSyncUntil(ctx, csapi.JoinedTo(s.room.ID))
}

// checkReject: the invitee rejects through make_leave and send_leave on
// the mock, which verifies and applies the leave.
func checkReject(ctx context.Context, rv matrix.RoomVersion, v1 bool) {
	s := invitedToPrivateRoom(ctx, rv, v1)

	leave, err := s.bob.Leave(ctx, s.room.ID)
	Expect(err).NotTo(HaveOccurred())
	Expect(leave).To(match.HaveStatus(http.StatusOK), "%s rejecting the invite to %s (POST /rooms/{roomId}/leave)", s.bob.UserID, s.room.ID)
	wait := bed.Config().Timeouts.Sync
	Eventually(ctx, s.remote.Journal.Requests).WithTimeout(wait).Should(federation.ContainInOrder(federation.RequestTo(federation.MakeLeave),
		Or(federation.RequestTo(federation.SendLeaveV2), federation.RequestTo(federation.SendLeaveV1))),
		"rejecting a remote invite goes through make_leave and send_leave on the inviting server (a rejection kept only locally leaves the room believing the invite stands)")
	Expect(s.room.Membership(s.bob.UserID)).To(Equal("leave"), "%s's membership in the mock's room after rejecting", s.bob.UserID)
	Eventually(ctx, func() []string { return s.bob.MustSync(ctx, csapi.SyncRequest{}).InvitedRooms() }).
		WithTimeout(wait).WithPolling(250*time.Millisecond).ShouldNot(ContainElement(s.room.ID),
		"after rejecting, an initial /sync of %s must no longer list %s under rooms.invite", s.bob.UserID, s.room.ID)
}

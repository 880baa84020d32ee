package membership

import (
	"context"
	"net/http"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/matrix"
)

// rejectSection is where the spec says what rejecting an invite does.
const rejectSection = leaving + " (\"If the user was invited to the room, but had not joined, this call serves to reject the invite\"; 200); client-server-api §Leaving rooms (a left room no longer appears in /sync)"

// forgetCapability is the capability a server that forgets a room when
// its user leaves it MUST advertise (leaving.yaml, v1.18: "Servers MAY
// additionally forget the room when this endpoint is called … Servers that
// do this, MUST inform clients about this behavior using the
// m.forget_forced_upon_leave capability").
const forgetCapability = "m.forget_forced_upon_leave"

// expectRejected checks what the invitee's /sync shows after rejecting:
// from the sync that carried the invite on, the room moves to rooms.leave,
// and a fresh /sync no longer lists it under rooms.invite. A server that
// advertises forgetCapability may forget the room with the rejection and
// never list it under rooms.leave: then the room must leave rooms.invite,
// and membership (the invitee's membership as the inviting side reads it)
// must become leave.
func expectRejected(ctx context.Context, bob *csapi.Client, room, since string, membership func() string, res *csapi.Response) {
	GinkgoHelper()
	if bob.MustCapabilities(ctx).Enabled(forgetCapability) {
		bob.MustSyncUntil(ctx, notInvitedTo(room), csapi.SyncSince(since))
		Eventually(ctx, membership).WithTimeout(bed.Config().Timeouts.Sync).Should(Equal("leave"),
			"the invitee's membership after the rejection (the server advertises %s, so the rejection is judged by membership, not rooms.leave).%s", forgetCapability, exchange(res))
	} else {
		bob.MustSyncUntil(ctx, csapi.All(csapi.LeftRoom(room), notInvitedTo(room)), csapi.SyncSince(since))
	}
	fresh := bob.MustSync(ctx, csapi.SyncRequest{})
	Expect(slices.Contains(fresh.InvitedRooms(), room)).To(BeFalse(),
		"after the rejection, an initial /sync still lists %s under rooms.invite: %s%s", room, fresh.Summary(), exchange(res))
}

var _ = Describe("POST /rooms/{roomId}/leave", func() {
	localRule := conformance.NewRule("MEM-LEAVE-REJECT", conformance.MUST, area, rejectSection,
		"rejects a local invite when the invitee leaves: 200 with a JSON object, the invitee's membership becomes leave, and the room moves from rooms.invite to rooms.leave in their /sync")
	conformance.It(localRule, func(ctx SpecContext) {
		alice, bob, room := bobInvited(ctx)
		invited := bob.MustSyncUntil(ctx, csapi.InvitedTo(room))

		res, err := bob.Leave(ctx, room)
		expectOK(res, err, "rejecting the invite to "+room)
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("leave"), "the invitee's membership after rejecting.%s", exchange(res))
		expectRejected(ctx, bob, room, invited.NextBatch, func() string { return alice.MustMembership(ctx, room, bob.UserID) }, res)
	})

	remoteRule := conformance.NewRule("MEM-LEAVE-REJECT-REMOTE", conformance.MUST, area, rejectSection,
		"rejects an invite from another homeserver when the invitee leaves: 200 with a JSON object, and the room moves from rooms.invite to rooms.leave in their /sync")
	conformance.ForEachRoomVersion(remoteRule, func(ctx SpecContext, v matrix.RoomVersion) {
		bob := bed.NewUser(ctx, "bob")
		bed.RequireRoomVersion(ctx, v)
		remote, room := remoteInvite(ctx, bob, v)
		invited := bob.MustSyncUntil(ctx, csapi.InvitedTo(room.ID))

		res, err := bob.Leave(ctx, room.ID)
		expectOK(res, err, "rejecting the invite to "+room.ID+" from "+remote.Name())
		expectRejected(ctx, bob, room.ID, invited.NextBatch, func() string { return room.Membership(bob.UserID) }, res)
	})

	// The federation side of rejecting a remote invite (make_leave and
	// send_leave on the inviting server) is one rule, INV1-REJECT and
	// INV2-REJECT in suites/invite, in every room version.

	credentialRules("MEM-LEAVE", leaving, "a leave by a joined member", func(ctx SpecContext) (*csapi.Client, string, string, any) {
		alice := bed.NewUser(ctx, "alice")
		room := newRoom(ctx, alice, serverDefault, joinRule("public"))
		return alice, room, csapi.ClientPath("rooms", room, "leave"), map[string]any{}
	})
})

// remoteInvite has a mock host an invite-only room of version v and invite
// bob to it over the v2 invite API; the homeserver must accept the invite.
func remoteInvite(ctx SpecContext, bob *csapi.Client, v matrix.RoomVersion) (*federation.Server, *federation.Room) {
	GinkgoHelper()
	remote := bed.NewRemote(ctx)
	alice := remote.User("alice")
	room := remote.CreateRoom(v, alice, federation.JoinRule("invite"))
	res, err := remote.SendInviteV2(ctx, room.InviteEvent(alice, bob.UserID))
	Expect(err).NotTo(HaveOccurred(), "the mock inviting %s", bob.UserID)
	Expect(res.StatusCode).To(Equal(http.StatusOK), "the homeserver refused the mock's invite, so the rejection cannot be tested:\n%v", res)
	return remote, room
}

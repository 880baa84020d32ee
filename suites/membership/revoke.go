package membership

import (
	"net/http"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/matrix"
)

// Where the spec says what becomes of an invite after a kick, a rejection
// or a ban.
const (
	kicking  = "client-server kicking.yaml POST /rooms/{roomId}/kick"
	banning  = "client-server banning.yaml"
	revoked  = "m.room.member.yaml (membership from invite to leave: \"Otherwise, the state_key user had their invite revoked\")"
	kickRule = authRules + ", membership leave (\"If the sender's power level is greater than or equal to the kick level, and the target user's power level is less than the sender's power level, allow. Otherwise, reject\")"
)

// Revoking, re-joining and re-inviting: what an invite means after the
// invitee was kicked, rejected it or was banned and unbanned.
var _ = Describe("What becomes of an invite", func() {
	revokeRule := conformance.NewRule("MEM-KICK-REVOKE", conformance.MUST, area, kicking+" (200); "+revoked+"; "+kickRule,
		"lets a member with the kick level revoke an invite by kicking the invitee: 200, the invitee's membership becomes leave, and the room leaves rooms.invite in the invitee's /sync")
	conformance.ForEachRoomVersion(revokeRule, func(ctx SpecContext, v matrix.RoomVersion) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		bed.RequireRoomVersion(ctx, v)
		room := newRoom(ctx, alice, v.ID, joinRule("invite"))
		alice.MustInvite(ctx, room, bob.UserID)
		invited := bob.MustSyncUntil(ctx, csapi.InvitedTo(room))

		res, err := alice.Kick(ctx, room, bob.UserID)
		expectOK(res, err, "alice revoking "+bob.UserID+"'s invite by kicking him")
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("leave"), "the invitee's membership after the kick.%s", exchange(res))
		bob.MustSyncUntil(ctx, notInvitedTo(room), csapi.SyncSince(invited.NextBatch))
		fresh := bob.MustSync(ctx, csapi.SyncRequest{})
		Expect(slices.Contains(fresh.InvitedRooms(), room)).To(BeFalse(),
			"after the invite was revoked, an initial /sync still lists %s under rooms.invite: %s%s", room, fresh.Summary(), exchange(res))
	}, powerVersions()...)

	// carol joined the public room and has users_default (0), below the
	// kick level (50), in every version: no creator, v12 included.
	lowRule := conformance.NewRule("MEM-KICK-REVOKE-LOW-POWER", conformance.MUST, area, kicking+" (403, example reason \"The kicker's power level is insufficient to kick users from the room\"); "+kickRule,
		"refuses to let a member below the kick level revoke another user's invite by kicking: 403 and a standard error response, and the room state is unchanged")
	conformance.ForEachRoomVersion(lowRule, func(ctx SpecContext, v matrix.RoomVersion) {
		alice, bob, carol := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob"), bed.NewUser(ctx, "carol")
		bed.RequireRoomVersion(ctx, v)
		room := newRoom(ctx, alice, v.ID, joinRule("public"), csapi.PowerLevelOverride(map[string]any{"kick": 50}))
		carol.MustJoinRoomByID(ctx, room)
		alice.MustInvite(ctx, room, bob.UserID)
		before := snapshot(ctx, alice, room)

		res, err := carol.Kick(ctx, room, bob.UserID)
		expectError(res, err, http.StatusForbidden, "carol (power level 0, kick level 50) kicking the invited "+bob.UserID)
		expectUnchanged(ctx, alice, room, before, res)
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("invite"), "the invitee's membership after the refused kick.%s", exchange(res))
	}, powerVersions()...)

	rejoinRule := conformance.NewRule("MEM-JOIN-AFTER-REJECT", conformance.MUST, area,
		leaving+" (\"If the room requires an invite to join, they will need to be re-invited before they can re-join\"); "+joiningByID+" (403); "+authRules+", membership join, join_rule invite (\"allow if membership state is invite or join\")",
		"refuses the join of a user who rejected their invite to an invite-only room: 403 and a standard error response, and the user's membership stays leave")
	conformance.ForEachRoomVersion(rejoinRule, func(ctx SpecContext, v matrix.RoomVersion) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		bed.RequireRoomVersion(ctx, v)
		room := newRoom(ctx, alice, v.ID, joinRule("invite"))
		alice.MustInvite(ctx, room, bob.UserID)
		bob.MustLeave(ctx, room)
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("leave"), "the invitee's membership after rejecting the invite")
		before := snapshot(ctx, alice, room)

		res, err := bob.JoinRoomByID(ctx, room)
		expectError(res, err, http.StatusForbidden, bob.UserID+" joining the invite-only room after rejecting the invite")
		expectUnchanged(ctx, alice, room, before, res)
	}, refusalVersions()...)

	unbanRule := conformance.NewRule("MEM-INVITE-AFTER-UNBAN", conformance.MUST, area,
		banning+" POST /rooms/{roomId}/unban (\"This allows them to be invited to the room\"); "+inviting+" (200); "+authRules+", membership invite",
		"answers an invite for a user who was banned and then unbanned with 200, and the invitee's membership becomes invite")
	conformance.ForEachRoomVersion(unbanRule, func(ctx SpecContext, v matrix.RoomVersion) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		bed.RequireRoomVersion(ctx, v)
		room := newRoom(ctx, alice, v.ID, joinRule("invite"))
		alice.MustBan(ctx, room, bob.UserID)
		alice.MustUnban(ctx, room, bob.UserID)
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("leave"), "the membership of %s after the unban", bob.UserID)

		res, err := alice.Invite(ctx, room, bob.UserID)
		expectOK(res, err, "inviting "+bob.UserID+" after unbanning him")
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("invite"), "the invitee's membership after the invite.%s", exchange(res))
	}, refusalVersions()...)
})

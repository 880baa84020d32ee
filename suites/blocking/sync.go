package blocking

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/match"
)

// storedInvite is a local invite of bob, served to him over /sync, made
// before he blocks invites.
type storedInvite struct {
	alice, bob *csapi.Client
	room       string
}

func newStoredInvite(ctx context.Context) storedInvite {
	GinkgoHelper()
	alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
	room := newRoom(ctx, alice)
	alice.MustInvite(ctx, room, bob.UserID)
	bob.MustSyncUntil(ctx, csapi.InvitedTo(room)) // the invite is stored and served before blocking
	block(ctx, bob)
	return storedInvite{alice, bob, room}
}

var _ = Describe("Invite blocking and /sync", func() {
	syncSection := server + " (\"invite events for this user already in the database, or received over federation, MUST NOT be served over client synchronisation endpoints such as GET /sync\")"

	storedRule := conformance.NewRule("BLOCK-SYNC-STORED", conformance.MUST, area, syncSection,
		"does not serve over /sync an invite stored before the user blocked invites: after blocking, an initial /sync of the invitee does not list the room under rooms.invite")
	conformance.It(storedRule, func(ctx SpecContext) {
		si := newStoredInvite(ctx)
		sr := initialSync(ctx, si.bob)
		expectNone(notServed(sr.InvitedRooms(), si.room),
			si.alice.UserID+" invited "+si.bob.UserID+" to "+si.room+" (served over /sync), then "+si.bob.UserID+" blocked invites", syncShown(sr))
	})

	remoteRule := conformance.NewRule("BLOCK-SYNC-STORED-REMOTE", conformance.MUST, area, syncSection,
		"does not serve over /sync an invite received over federation before the user blocked invites: after blocking, an initial /sync of the invitee does not list the room under rooms.invite")
	conformance.It(remoteRule, func(ctx SpecContext) {
		s := newRemoteScene(ctx, bed.DefaultRoomVersion(ctx))
		res := s.sendV2(ctx)
		Expect(res).To(match.HaveStatus(http.StatusOK), "a v2 invite of %s, who does not block invites yet", s.Bob.UserID)
		s.Bob.MustSyncUntil(ctx, csapi.InvitedTo(s.Room.ID))
		block(ctx, s.Bob)
		sr := initialSync(ctx, s.Bob)
		expectNone(notServed(sr.InvitedRooms(), s.Room.ID),
			s.Alice+" invited "+s.Bob.UserID+" over federation (served over /sync), then "+s.Bob.UserID+" blocked invites", syncShown(sr))
	})

	federatedRule := conformance.NewRule("BLOCK-SYNC-FEDERATED", conformance.MUST, area, syncSection,
		"does not serve over /sync an invite received over federation while the user blocks invites, whatever it answered the inviting server: an initial /sync of the invitee does not list the room under rooms.invite")
	conformance.It(federatedRule, func(ctx SpecContext) {
		s := newRemoteScene(ctx, bed.DefaultRoomVersion(ctx))
		block(ctx, s.Bob)
		res := s.sendV2(ctx)
		// A witness: the same room's invite of a user who does not block,
		// sent after bob's, shows the server has taken in bob's invite
		// before bob's /sync is judged (the server may process it after
		// answering, so an early /sync would prove nothing).
		carol := bed.NewUser(ctx, "carol")
		_, err := s.Remote.SendInviteV2(ctx, s.Room.InviteEvent(s.Alice, carol.UserID))
		Expect(err).NotTo(HaveOccurred(), "sending the witness invite of %s", carol.UserID)
		carol.MustSyncUntil(ctx, csapi.InvitedTo(s.Room.ID))
		sr := initialSync(ctx, s.Bob)
		expectNone(notServed(sr.InvitedRooms(), s.Room.ID),
			s.Bob.UserID+" blocked invites, then "+s.Alice+" invited them over federation", "the v2 invite:\n"+res.String()+"\n"+syncShown(sr))
	})

	// The module: "Other endpoints, such as GET /rooms/{roomId}/state, are
	// not affected by invite blocking: invite events are returned as
	// normal." No RFC 2119 word, but the endpoint must return the room's
	// current state, which holds the invite.
	stateRule := conformance.NewRule("BLOCK-STATE-SHOWN", conformance.MUST, area, server+" (\"Other endpoints, such as GET /rooms/{roomId}/state, are not affected by invite blocking: invite events are returned as normal\")",
		"still shows a stored invite to a member of the room in GET /rooms/{roomId}/state after the invitee blocked invites")
	conformance.It(stateRule, func(ctx SpecContext) {
		si := newStoredInvite(ctx)
		res, err := si.alice.State(ctx, si.room)
		Expect(err).NotTo(HaveOccurred())
		events := si.alice.MustState(ctx, si.room)
		expectNone(stillInvited(si.bob.UserID, membershipIn(events, si.bob.UserID)),
			si.alice.UserID+" reading the state of "+si.room+" after "+si.bob.UserID+", invited, blocked invites", res.Dump())
	})
})

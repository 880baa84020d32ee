package blocking

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
)

// notObservable skips a spec about unblocking when the server did not
// refuse the invite while the user blocked invites: then it cannot be told
// whether unblocking changed anything (the rule named fails on its own).
func notObservable(status int, failing string) {
	GinkgoHelper()
	if status != http.StatusForbidden {
		Skip("the server answered the invite of a user who blocks invites " + http.StatusText(status) +
			", not 403: with blocking not in effect, unblocking cannot be observed (" + failing + " reports the refusal)")
	}
}

var _ = Describe("Unblocking invites", func() {
	unblockSection := module + ", Client behaviour (\"To stop rejecting all invites, the same event without the default_action property MUST be added to the account data\"); " + schema

	clientRule := conformance.NewRule("BLOCK-UNBLOCK", conformance.MUST, area, unblockSection,
		"accepts POST /rooms/{roomId}/invite again (200, membership invite) once the invitee, who blocked invites and was refused, puts m.invite_permission_config without default_action")
	conformance.It(clientRule, func(ctx SpecContext) {
		bi := inviteBlocker(ctx, postInvite)
		notObservable(bi.res.StatusCode, "BLOCK-INVITE")

		alice, bob, room := bi.alice, bi.bob, bi.room
		unblock(ctx, bob)
		res, err := alice.Invite(ctx, room, bob.UserID)
		Expect(err).NotTo(HaveOccurred())
		problems := append(accepted(res.StatusCode), stillInvited(bob.UserID, alice.MustMembership(ctx, room, bob.UserID))...)
		expectNone(problems, alice.UserID+" inviting "+bob.UserID+" after they unblocked invites", res.Dump())
	})

	fedRule := conformance.NewRule("BLOCK-UNBLOCK-FED", conformance.MUST, area, unblockSection,
		"accepts a v2 federation invite again (200) and serves it over /sync once the invitee, who blocked invites and was refused, puts m.invite_permission_config without default_action")
	conformance.It(fedRule, func(ctx SpecContext) {
		s := newRemoteScene(ctx, bed.DefaultRoomVersion(ctx))
		block(ctx, s.Bob)
		notObservable(s.sendV2(ctx).StatusCode, "BLOCK-FED-V2")

		unblock(ctx, s.Bob)
		res := s.sendV2(ctx)
		expectNone(accepted(res.StatusCode), "the v2 invite of "+s.Bob.UserID+" after they unblocked invites", res.String())
		s.Bob.MustSyncUntil(ctx, csapi.InvitedTo(s.Room.ID))
	})

	valueRule := conformance.NewRule("BLOCK-OTHER-VALUE", conformance.MUST, area, module+"; "+schema,
		"treats a user whose m.invite_permission_config has default_action \"allow\" (not a value the spec defines) as not blocking: POST /rooms/{roomId}/invite answers 200 and the membership is invite")
	conformance.It(valueRule, func(ctx SpecContext) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		bob.MustSetAccountData(ctx, configType, map[string]any{"default_action": "allow"})
		room := newRoom(ctx, alice)
		res, err := alice.Invite(ctx, room, bob.UserID)
		Expect(err).NotTo(HaveOccurred())
		problems := append(accepted(res.StatusCode), stillInvited(bob.UserID, alice.MustMembership(ctx, room, bob.UserID))...)
		expectNone(problems, alice.UserID+" inviting "+bob.UserID+`, whose default_action is "allow"`, res.Dump())
	})

	suppressedRule := conformance.NewRule("BLOCK-UNBLOCK-SUPPRESSED", conformance.MAY, area, server+" (\"Servers MAY return any suppressed invite events over GET /sync if invite blocking is later disabled\")",
		"serves again over /sync an invite it held back while the user blocked invites, once they unblock: an initial /sync lists the room under rooms.invite")
	conformance.It(suppressedRule, func(ctx SpecContext) {
		si := newStoredInvite(ctx)
		if during := initialSync(ctx, si.bob); len(notServed(during.InvitedRooms(), si.room)) != 0 {
			Skip("the server served the invite over /sync while the user blocked invites (BLOCK-SYNC-STORED reports it): nothing was suppressed")
		}
		unblock(ctx, si.bob)
		sr := initialSync(ctx, si.bob)
		expectNone(served(sr.InvitedRooms(), si.room),
			si.alice.UserID+" invited "+si.bob.UserID+" (served over /sync), who then blocked invites (the invite was held back) and unblocked them", syncShown(sr))
	})
})

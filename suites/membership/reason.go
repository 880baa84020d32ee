package membership

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
)

// The reason a client gives for a membership change: inviting.yaml and
// leaving.yaml define it as "Optional reason to be included as the reason
// on the subsequent membership event" (v1.1).
const reasonSection = "(reason, v1.1: \"Optional reason to be included as the reason on the subsequent membership event\"); m.room.member content.reason"

var _ = Describe("The reason of a membership change", func() {
	localRule := conformance.NewRule("MEM-INVITE-REASON", conformance.MUST, area, inviting+" "+reasonSection,
		"puts the reason given with an invite into the invitee's m.room.member invite event as content.reason")
	conformance.It(localRule, func(ctx SpecContext) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		room := newRoom(ctx, alice, serverDefault, joinRule("invite"))
		reason := unique("come for tea")

		res, err := alice.Invite(ctx, room, bob.UserID, csapi.Reason(reason))
		expectOK(res, err, "inviting "+bob.UserID+" with a reason")
		content := alice.MustStateEvent(ctx, room, "m.room.member", bob.UserID)
		Expect(content).To(HaveKeyWithValue("membership", "invite"), "the invitee's member event after the invite: %s", compact(content))
		Expect(content).To(HaveKeyWithValue("reason", reason), "the invitee's m.room.member content (%s) does not carry the reason the invite gave.%s",
			compact(content), exchange(res))
	})

	remoteRule := conformance.NewRule("MEM-INVITE-REMOTE-REASON", conformance.MUST, area, inviting+" "+reasonSection+"; server-server-api §Inviting to a room",
		"puts the reason given with an invite of a user on another homeserver into the invite event it asks that server to sign, as content.reason")
	conformance.It(remoteRule, func(ctx SpecContext) {
		alice := bed.NewUser(ctx, "alice")
		remote := bed.NewRemote(ctx)
		carol := remote.User("carol")
		room := newRoom(ctx, alice, serverDefault, joinRule("invite"))
		reason := unique("come for tea")

		res, err := alice.Invite(ctx, room, carol, csapi.Reason(reason))
		expectOK(res, err, "inviting "+carol+" of the mock remote server with a reason")
		invites := remote.ReceivedInvites()
		Expect(invites).To(HaveLen(1), "the remote server must have been asked to sign exactly one invite before the 200.%s", exchange(res))
		content := invites[0].Event.Content()
		Expect(content).To(HaveKeyWithValue("reason", reason), "the invite sent to %s has content %s, without the reason the client gave.%s",
			remote.Name(), compact(content), exchange(res))
	})

	rejectRule := conformance.NewRule("MEM-LEAVE-REJECT-REASON", conformance.MUST, area, leaving+" "+reasonSection,
		"puts the reason given when the invitee rejects an invite into their m.room.member leave event as content.reason")
	conformance.It(rejectRule, func(ctx SpecContext) {
		alice, bob, room := bobInvited(ctx)
		reason := unique("busy that day")

		res, err := bob.Leave(ctx, room, csapi.Reason(reason))
		expectOK(res, err, "rejecting the invite to "+room+" with a reason")
		content := alice.MustStateEvent(ctx, room, "m.room.member", bob.UserID)
		Expect(content).To(HaveKeyWithValue("membership", "leave"), "the invitee's member event after rejecting: %s", compact(content))
		Expect(content).To(HaveKeyWithValue("reason", reason), "the invitee's m.room.member content (%s) does not carry the reason the rejection gave.%s",
			compact(content), exchange(res))
	})
})

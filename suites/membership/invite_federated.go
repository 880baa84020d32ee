package membership

import (
	"context"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/matrix"
)

// Where the federation door's refusals are stated.
const (
	roomAuthRules = "rooms/vN.md §Authorisation rules of the room's version (m.room.member, membership invite)"
	pduChecks     = "server-server-api.md §Checks performed on receipt of a PDU (an event that fails the authorisation rules \"is rejected\")"
)

// fedInviteRefusal is an invite event the auth rules forbid, as the mock
// remote server, joined to a room of the homeserver, sends it in a
// transaction: the same refusals the client invite endpoint answers with
// 403, through the other door.
type fedInviteRefusal struct {
	id, what string
	authRule string // the auth rule that refuses it, in the spec's words
	versions []matrix.RoomVersion
	// inviteLevel is the room's invite level: 0 where another rule is
	// under test, so that only that rule refuses the invite.
	inviteLevel int
	// before changes the room before the mock joins it; bob is the
	// invitee, a local user.
	before func(ctx SpecContext, alice, bob *csapi.Client, room string)
	// outsider: the invite is sent by a mock user who never joined, not by
	// carol, the mock's joined member.
	outsider bool
}

var fedInviteRefusals = []fedInviteRefusal{
	{
		id: "NOT-MEMBER", what: "an invite event whose sender, a user of the sending server, never joined the room",
		authRule: "If the sender's current membership state is not join, reject", versions: refusalVersions(),
		outsider: true,
	},
	{
		id: "BANNED", what: "an invite event for a user banned from the room",
		authRule: "If target user's current membership state is join or ban, reject", versions: refusalVersions(),
		before: func(ctx SpecContext, alice, bob *csapi.Client, room string) { alice.MustBan(ctx, room, bob.UserID) },
	},
	{
		id: "JOINED", what: "an invite event for a user already joined to the room",
		authRule: "If target user's current membership state is join or ban, reject", versions: refusalVersions(),
		before: func(ctx SpecContext, alice, bob *csapi.Client, room string) { bob.MustJoinRoomByID(ctx, room) },
	},
	{
		// carol is no creator: her power level is users_default (0) in
		// every version, v12 included.
		id: "LOW-POWER", what: "an invite event whose sender's power level (0) is below the room's invite level (50)",
		authRule: "If the sender's power level is greater than or equal to the invite level, allow. Otherwise, reject", versions: powerVersions(),
		inviteLevel: 50,
	},
}

var _ = Describe("Invite events from another server that the auth rules forbid", func() {
	for _, c := range fedInviteRefusals {
		r := conformance.NewRule("MEM-FED-INVITE-"+c.id, conformance.MUST, area, roomAuthRules+": \""+c.authRule+"\"; "+pduChecks,
			"does not accept into the room's state "+c.what+", sent by a server in the room in a transaction (correctly hashed and signed), even though its client API would refuse the same invite")
		conformance.ForEachRoomVersion(r, func(ctx SpecContext, v matrix.RoomVersion) {
			bed.RequireRoomVersion(ctx, v)
			alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
			room := newRoom(ctx, alice, v.ID, joinRule("public"), csapi.PowerLevelOverride(map[string]any{"invite": c.inviteLevel}))
			if c.before != nil {
				c.before(ctx, alice, bob, room)
			}
			remote := bed.NewRemote(ctx)
			carol := remote.User("carol")
			replica, err := remote.JoinRoom(ctx, room, carol)
			Expect(err).NotTo(HaveOccurred(), "the mock's user %s joining the public room %s", carol, room)
			alice.MustSyncUntil(ctx, csapi.MembershipIs(room, carol, "join"))
			sender := carol
			if c.outsider {
				sender = remote.User("mallory")
			}
			before := snapshot(ctx, alice, room)
			o := offerForbidden(ctx, remote, replica, sender, bob.UserID)
			o.witness(ctx, alice)
			problems := refusedEventProblems(before, snapshot(ctx, alice, room), o.invite.ID)
			Expect(problems).To(BeEmpty(), "after the mock sent %s, and a later message of carol's had arrived, %s's room state shows:\n  %s%s",
				c.what, alice.UserID, strings.Join(problems, "\n  "), o.exchange())
		}, c.versions...)
	}
})

// forbidden is an invite event the mock offered the homeserver in a
// transaction, without applying it to its own copy of the room.
type forbidden struct {
	invite  *federation.Event
	res     *federation.Response
	replica *federation.Room
	carol   string
}

// offerForbidden builds an invite of target by sender on the mock's copy
// of the room (hashed, signed, auth and prev events chosen as a server
// would), checks that the mock's own auth rules refuse it (else the scene
// is not what the rule is about), and sends it in a transaction.
func offerForbidden(ctx context.Context, remote *federation.Server, replica *federation.Room, sender, target string) *forbidden {
	GinkgoHelper()
	invite := replica.InviteEvent(sender, target)
	Expect(replica.Authorise(invite)).NotTo(Succeed(), "the scene is wrong: the mock's own auth rules accept %s", invite)
	res, err := remote.SendTransaction(ctx, []*federation.Event{invite}, nil)
	Expect(err).NotTo(HaveOccurred(), "sending the forbidden invite in a transaction")
	return &forbidden{invite: invite, res: res, replica: replica, carol: remote.User("carol")}
}

// witness has carol send a message after the forbidden invite and waits
// until observer sees it: the homeserver has handled the room's events up
// to it, so the invite before it has been judged.
func (f *forbidden) witness(ctx context.Context, observer *csapi.Client) {
	GinkgoHelper()
	msg, err := f.replica.Send(ctx, federation.ProtoEvent{Type: "m.room.message", Sender: f.carol,
		Content: map[string]any{"msgtype": "m.text", "body": "after the forbidden invite"}})
	Expect(err).NotTo(HaveOccurred(), "carol's message after the forbidden invite (the witness)")
	observer.MustSyncUntil(ctx, csapi.TimelineHas(f.replica.ID, "carol's message after the forbidden invite", func(e csapi.Event) bool { return e.ID() == msg.ID }))
}

// exchange closes a failure message: the event and the answer.
func (f *forbidden) exchange() string {
	return "\nThe invite event the mock sent:\n" + string(f.invite.JSON()) + "\nThe transaction's answer:\n" + f.res.String()
}

package membership

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/match"
	"herald/harness/matrix"
)

// inviteAttempt is an invite the spec says the server refuses: who reads
// the room state, the room, who invites and whom.
type inviteAttempt struct {
	observer *csapi.Client
	room     string
	inviter  *csapi.Client
	invitee  string
}

// send sends the invite.
func (a inviteAttempt) send(ctx context.Context) (*csapi.Response, error) {
	return a.inviter.Invite(ctx, a.room, a.invitee)
}

// expectCreatorsInvite sends a, an invite by one of the room's creators
// in a room whose invite level (150) is above every listed power level,
// and checks the answer: from v12 on, where creators have infinite power,
// 200 and the invitee's membership is invite; before, 403 and no state
// change. allowed and refused name the inviter in each case.
func expectCreatorsInvite(ctx SpecContext, v matrix.RoomVersion, a inviteAttempt, allowed, refused string) {
	GinkgoHelper()
	before := snapshot(ctx, a.observer, a.room)
	res, err := a.send(ctx)
	if v.AdditionalCreators {
		expectOK(res, err, allowed+" inviting in a v"+v.ID+" room")
		Expect(a.observer.MustMembership(ctx, a.room, a.invitee)).To(Equal("invite"), "the invitee's membership.%s", exchange(res))
		return
	}
	expectError(res, err, http.StatusForbidden, refused+" inviting in a v"+v.ID+" room with invite level 150")
	expectUnchanged(ctx, a.observer, a.room, before, res)
}

// inviteRefusal is one reason inviting.yaml lists for a 403.
type inviteRefusal struct {
	id     string
	what   string // the refused request, for the rule's words
	reason string // the example reason of inviting.yaml's 403
	// versions are the room versions the refusal runs in (see
	// refusalVersions and powerVersions).
	versions []matrix.RoomVersion
	// arrange sets the scene in a room of version v (serverDefault: the
	// server's default).
	arrange func(ctx SpecContext, v string) inviteAttempt
}

// aliceInvitesBob arranges alice's invite of bob in a room with the join
// rule, after the steps.
func aliceInvitesBob(rule string, steps ...step) func(ctx SpecContext, v string) inviteAttempt {
	return func(ctx SpecContext, v string) inviteAttempt {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		room := newRoom(ctx, alice, v, joinRule(rule))
		for _, step := range steps {
			step(ctx, alice, bob, room)
		}
		return inviteAttempt{observer: alice, room: room, inviter: alice, invitee: bob.UserID}
	}
}

var inviteRefusals = []inviteRefusal{
	{
		id: "NOT-MEMBER", what: "an invite from a user who is not in the room",
		reason: "The inviter is not currently in the room", versions: refusalVersions(),
		arrange: func(ctx SpecContext, v string) inviteAttempt {
			alice, mallory, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "mallory"), bed.NewUser(ctx, "bob")
			room := newRoom(ctx, alice, v, joinRule("invite"))
			return inviteAttempt{observer: alice, room: room, inviter: mallory, invitee: bob.UserID}
		},
	},
	{
		id: "BANNED", what: "an invite for a user banned from the room",
		reason: "The invitee has been banned from the room", versions: refusalVersions(),
		arrange: aliceInvitesBob("invite", banBob),
	},
	{
		id: "JOINED", what: "an invite for a user already joined to the room",
		reason: "The invitee is already a member of the room", versions: refusalVersions(),
		arrange: aliceInvitesBob("public", bobJoins),
	},
	{
		id: "LOW-POWER", what: "an invite from a member whose power level is below the room's invite level",
		reason: "The inviter's power level is insufficient to invite users to the room", versions: powerVersions(),
		// bob joins and is no creator: his power level (0, users_default)
		// is below the invite level in every version, v12 included.
		arrange: func(ctx SpecContext, v string) inviteAttempt {
			alice, bob, carol := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob"), bed.NewUser(ctx, "carol")
			room := newRoom(ctx, alice, v, joinRule("public"), csapi.PowerLevelOverride(map[string]any{"invite": 50}))
			bob.MustJoinRoomByID(ctx, room)
			return inviteAttempt{observer: alice, room: room, inviter: bob, invitee: carol.UserID}
		},
	},
	{
		id: "SELF", what: "a joined member's invite for themselves",
		reason: "The invitee is already a member of the room", versions: refusalVersions(),
		arrange: func(ctx SpecContext, v string) inviteAttempt {
			alice := bed.NewUser(ctx, "alice")
			room := newRoom(ctx, alice, v, joinRule("invite"))
			return inviteAttempt{observer: alice, room: room, inviter: alice, invitee: alice.UserID}
		},
	},
}

// malformedInvite is a request body inviting.yaml's 400 covers ("The
// request body is malformed (errcode set to M_BAD_JSON or M_NOT_JSON)").
type malformedInvite struct {
	id, what string
	body     []byte
	// errcodes the spec names for it; lenient adds the codes deployed
	// servers use that the spec also defines for the same fault.
	errcodes, lenient []string
}

// megolm is the encryption algorithm of the rooms that have one.
const megolm = "m.megolm.v1.aes-sha2"

var malformedInvites = []malformedInvite{
	{id: "NO-USER-ID", what: "an invite body without user_id", body: []byte(`{"reason":"no user_id"}`),
		errcodes: []string{"M_BAD_JSON"}, lenient: []string{"M_MISSING_PARAM"}},
	{id: "USER-ID-NOT-STRING", what: "an invite body whose user_id is a number", body: []byte(`{"user_id":42}`),
		errcodes: []string{"M_BAD_JSON"}, lenient: []string{"M_INVALID_PARAM"}},
	{id: "USER-ID-INVALID", what: "an invite body whose user_id is not a user ID", body: []byte(`{"user_id":"not-a-user-id"}`),
		errcodes: []string{"M_BAD_JSON"}, lenient: []string{"M_INVALID_PARAM"}},
	{id: "NOT-JSON", what: "an invite body that is not JSON", body: []byte(`{"user_id": "@a:b"`),
		errcodes: []string{"M_NOT_JSON"}, lenient: []string{"M_BAD_JSON"}},
}

var _ = Describe("POST /rooms/{roomId}/invite", func() {
	okRule := conformance.NewRule("MEM-INVITE-OK", conformance.MUST, area, inviting+" (200); client-server-api §Room membership; sync rooms.invite",
		"answers an invite by a joined member with 200 and a JSON object, records the invitee's membership as invite, and lists the room under rooms.invite in the invitee's /sync")
	conformance.ForEachRoomVersion(okRule, func(ctx SpecContext, v matrix.RoomVersion) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		bed.RequireRoomVersion(ctx, v)
		room := newRoom(ctx, alice, v.ID, joinRule("invite"))

		res, err := alice.Invite(ctx, room, bob.UserID)
		expectOK(res, err, "inviting "+bob.UserID)
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("invite"),
			"after the 200, the room state must hold the invitee's m.room.member with membership invite.%s", exchange(res))
		sr := bob.MustSyncUntil(ctx, csapi.InvitedTo(room))
		Expect(sr.Membership(room, bob.UserID)).To(Equal("invite"),
			"the invitee's /sync lists the room under rooms.invite, but its invite_state does not show the invitee's membership as invite: %s", sr.Summary())
	})

	// client-server-api §Stripped state lists the events to give "when
	// possible"; one rule per event, so a server missing one is reported
	// for that one. The room has every event of the list, so each is
	// looked for. Since v1.16 the m.room.create event is required there:
	// its rule is a MUST.
	type strippedRoom struct{ name, topic, alias, avatar string }
	const strippedListed = "client-server-api §Stripped state (the listed events \"should be represented as stripped state events when possible\": m.room.create, m.room.name, m.room.avatar, m.room.topic, m.room.join_rules, m.room.canonical_alias, m.room.encryption); sync rooms.invite.invite_state"
	for _, want := range []struct {
		id, eventType string
		fields        func(r strippedRoom) map[string]any
	}{
		{"CREATE", "m.room.create", func(strippedRoom) map[string]any { return nil }},
		{"NAME", "m.room.name", func(r strippedRoom) map[string]any { return map[string]any{"name": r.name} }},
		{"AVATAR", "m.room.avatar", func(r strippedRoom) map[string]any { return map[string]any{"url": r.avatar} }},
		{"TOPIC", "m.room.topic", func(r strippedRoom) map[string]any { return map[string]any{"topic": r.topic} }},
		{"JOIN-RULES", "m.room.join_rules", func(strippedRoom) map[string]any { return map[string]any{"join_rule": "invite"} }},
		{"CANONICAL-ALIAS", "m.room.canonical_alias", func(r strippedRoom) map[string]any { return map[string]any{"alias": r.alias} }},
		{"ENCRYPTION", "m.room.encryption", func(strippedRoom) map[string]any { return map[string]any{"algorithm": megolm} }},
	} {
		level, section, whyLooked := conformance.SHOULD, strippedListed, "the spec lists it among the stripped state to give when possible"
		if want.eventType == "m.room.create" {
			level, whyLooked = conformance.MUST, "since v1.16 the spec requires m.room.create in invite_state"
			section = "client-server-api §Stripped state (v1.16: \"The m.room.create event is now required\" in invite_state on /sync); m.room.member (\"The m.room.create event MUST be included\")"
		}
		stripped := conformance.NewRule("MEM-INVITE-STRIPPED-"+want.id, level, area, section,
			"gives the invitee the room's "+want.eventType+" in rooms.invite.invite_state of /sync, with the content the room has")
		conformance.It(stripped, func(ctx SpecContext) {
			alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
			local := unique("herald-stripped")
			r := strippedRoom{name: unique("Herald tea room"), topic: unique("about tea"), avatar: "mxc://herald.invalid/" + local,
				alias: "#" + local + ":" + bed.Homeserver().ServerName}
			room := newRoom(ctx, alice, serverDefault, joinRule("invite"), csapi.Name(r.name), csapi.Topic(r.topic), csapi.RoomAliasName(local),
				csapi.InitialState("m.room.avatar", "", map[string]any{"url": r.avatar}),
				csapi.InitialState("m.room.encryption", "", map[string]any{"algorithm": megolm}))
			alice.MustInvite(ctx, room, bob.UserID)

			sr := bob.MustSyncUntil(ctx, csapi.InvitedTo(room))
			content, ok := inviteStateContent(sr, room, want.eventType)
			Expect(ok).To(BeTrue(), "invite_state of %s has no %s, which the room has; %s.\nThe /sync: %s",
				room, want.eventType, whyLooked, sr.Summary())
			for k, v := range want.fields(r) {
				Expect(content).To(HaveKeyWithValue(k, v), "the stripped %s in invite_state does not match the room's (%s)", want.eventType, compact(content))
			}
		})
	}

	// "can only have" admits no other key, whatever the server keeps of
	// the events: a MUST, for the invitee's own membership event too.
	keysRule := conformance.NewRule("MEM-INVITE-STRIPPED-KEYS", conformance.MUST, area,
		`client-server-api §Stripped state ("Stripped state events can only have the sender, type, state_key and content properties present"); sync.yaml rooms.invite.invite_state.events (StrippedStateEvent)`,
		"gives the invitee of a local invite an invite_state in /sync whose every event carries only type, state_key, sender and content")
	conformance.It(keysRule, func(ctx SpecContext) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		room := newRoom(ctx, alice, serverDefault, joinRule("invite"), csapi.Name(unique("Herald tea room")), csapi.Topic(unique("about tea")))
		alice.MustInvite(ctx, room, bob.UserID)

		sr := bob.MustSyncUntil(ctx, csapi.InvitedTo(room))
		Expect(sr.InviteState(room)).To(match.HaveOnlyStrippedKeys(), "rooms.invite[%s].invite_state of %s's /sync, after %s invited them", room, bob.UserID, alice.UserID)
	})

	twiceRule := conformance.NewRule("MEM-INVITE-TWICE", conformance.MUST, area, inviting+" (200: \"The user has been invited to join the room, or was already invited to the room\")",
		"answers an invite for a user who is already invited with 200, and the invitee stays invited with nothing else in the room state changed")
	conformance.It(twiceRule, func(ctx SpecContext) {
		alice, bob, room := bobInvited(ctx)
		before := snapshot(ctx, alice, room)

		res, err := alice.Invite(ctx, room, bob.UserID)
		expectOK(res, err, "inviting "+bob.UserID+" a second time")
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("invite"), "the invitee's membership after the second invite.%s", exchange(res))
		expectUnchanged(ctx, alice, room, before, res, memberKey(bob.UserID))
	})

	// The 2015 prose offers a second door for the same invite: the room's
	// member state event, set directly ("can be modified", a MAY).
	stateRule := conformance.NewRule("MEM-INVITE-VIA-STATE", conformance.MAY, area,
		"client-server inviting prose (\"Alternatively, the membership state for this user in this room can be modified directly\" by PUT /rooms/{roomId}/state/m.room.member/{userId} with membership invite); client-server room_state.yaml (200)",
		"accepts an invite sent as the invitee's m.room.member state event with membership invite: 200, and the invitee's membership is invite")
	conformance.It(stateRule, func(ctx SpecContext) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		room := newRoom(ctx, alice, serverDefault, joinRule("invite"))

		res, err := alice.SendState(ctx, room, "m.room.member", bob.UserID, map[string]any{"membership": "invite"})
		expectOK(res, err, "setting "+bob.UserID+"'s m.room.member to membership invite")
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("invite"),
			"after the 200, the room state must hold the invitee's m.room.member with membership invite.%s", exchange(res))
	})

	// The auth rules refuse an invite only when the target is joined or
	// banned: a user who left, or rejected an earlier invite, may be
	// invited again.
	againRule := conformance.NewRule("MEM-INVITE-AFTER-LEAVE", conformance.MUST, area, inviting+" (200); "+authRules+", membership invite (\"If the target user's current membership state is join or ban, reject\"; otherwise the invite level decides)",
		"answers an invite for a user who rejected an earlier invite to the room with 200, and the invitee's membership becomes invite again")
	conformance.It(againRule, func(ctx SpecContext) {
		alice, bob, room := bobInvited(ctx)
		res, err := bob.Leave(ctx, room)
		expectOK(res, err, bob.UserID+" rejecting the first invite")
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("leave"), "the invitee's membership after rejecting the first invite")

		res, err = alice.Invite(ctx, room, bob.UserID)
		expectOK(res, err, "inviting "+bob.UserID+" again after the rejection")
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("invite"), "the invitee's membership after the second invite.%s", exchange(res))
	})

	for _, c := range inviteRefusals {
		refused := conformance.NewRule("MEM-INVITE-"+c.id, conformance.MUST, area, inviting+" (403, example reason \""+c.reason+"\"); "+authRules+", membership invite",
			"refuses "+c.what+" with 403 and a standard error response, and changes nothing in the room state")
		conformance.ForEachRoomVersion(refused, func(ctx SpecContext, v matrix.RoomVersion) {
			bed.RequireRoomVersion(ctx, v)
			a := c.arrange(ctx, v.ID)
			before := snapshot(ctx, a.observer, a.room)
			res, err := a.send(ctx)
			expectError(res, err, http.StatusForbidden, c.what)
			expectUnchanged(ctx, a.observer, a.room, before, res)
		}, c.versions...)

		errcode := conformance.NewRule("MEM-INVITE-"+c.id+"-ERRCODE", conformance.SHOULD, area, inviting+" (403; M_FORBIDDEN is the spec's example body); "+commonErrors+" (M_FORBIDDEN)",
			"gives errcode M_FORBIDDEN when it refuses "+c.what)
		conformance.It(errcode, func(ctx SpecContext) {
			a := c.arrange(ctx, serverDefault)
			res, err := a.send(ctx)
			expectStatus(res, err, http.StatusForbidden, c.what)
			expectErrcode(res, err, c.what, "M_FORBIDDEN")
		})
	}

	unknownRule := conformance.NewRule("MEM-INVITE-UNKNOWN-ROOM", conformance.MUST, area, inviting+" (403, \"The inviter is not currently in the room\"; 404 is not among its responses); "+commonErrors+" (M_NOT_FOUND may come from any endpoint)",
		"refuses an invite into a room it does not know with 403 (non-strict runs also accept 404 M_NOT_FOUND)")
	conformance.It(unknownRule, func(ctx SpecContext) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		room := "!" + unique("herald-no-such-room") + ":" + bed.Homeserver().ServerName
		res, err := alice.Invite(ctx, room, bob.UserID)
		Expect(err).NotTo(HaveOccurred())
		if !conformance.Strict() && res.StatusCode == http.StatusNotFound {
			expectError(res, err, http.StatusNotFound, "inviting into an unknown room")
			expectErrcode(res, err, "inviting into an unknown room (answered 404)", "M_NOT_FOUND")
			return
		}
		expectError(res, err, http.StatusForbidden, "inviting into an unknown room")
	})

	for _, m := range malformedInvites {
		bad := conformance.NewRule("MEM-INVITE-"+m.id, conformance.MUST, area, inviting+" (400, \"The request body is malformed\")",
			"refuses "+m.what+" with 400 and a standard error response, and changes nothing in the room state")
		conformance.It(bad, func(ctx SpecContext) {
			alice := bed.NewUser(ctx, "alice")
			room := newRoom(ctx, alice, serverDefault, joinRule("invite"))
			before := snapshot(ctx, alice, room)
			res, err := alice.InviteBody(ctx, room, m.body)
			expectError(res, err, http.StatusBadRequest, m.what)
			expectUnchanged(ctx, alice, room, before, res)
		})

		errcode := conformance.NewRule("MEM-INVITE-"+m.id+"-ERRCODE", conformance.SHOULD, area,
			inviting+" (400: \"errcode set to M_BAD_JSON or M_NOT_JSON\", among example reasons); "+commonErrors,
			"gives errcode "+m.errcodes[0]+" when it refuses "+m.what+" (non-strict runs also accept "+m.lenient[0]+")")
		conformance.It(errcode, func(ctx SpecContext) {
			alice := bed.NewUser(ctx, "alice")
			room := newRoom(ctx, alice, serverDefault, joinRule("invite"))
			res, err := alice.InviteBody(ctx, room, m.body)
			expectStatus(res, err, http.StatusBadRequest, m.what)
			accepted := m.errcodes
			if !conformance.Strict() {
				accepted = append(accepted, m.lenient...)
			}
			expectErrcode(res, err, m.what, accepted...)
		})
	}

	credentialRules("MEM-INVITE", inviting, "an invite", func(ctx SpecContext) (*csapi.Client, string, string, any) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		room := newRoom(ctx, alice, serverDefault, joinRule("invite"))
		return alice, room, csapi.ClientPath("rooms", room, "invite"), map[string]any{"user_id": bob.UserID}
	})

	// Room version 12 gives room creators infinite power (rooms/v12.md);
	// before it, power comes from m.room.power_levels alone. An invite
	// level above 100 tells the two apart.
	creatorRule := conformance.NewRule("MEM-INVITE-CREATOR-POWER", conformance.MUST, area, "rooms/v12.md \"Room creators have infinitely high power level\"; "+authRules+", membership invite (sender's power level against the invite level)",
		"lets the room creator invite in a v12 room whose invite level (150) is above every listed power level, and refuses it with 403 and no state change in v1–v11, where the creator has power level 100")
	conformance.ForEachRoomVersion(creatorRule, func(ctx SpecContext, v matrix.RoomVersion) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		bed.RequireRoomVersion(ctx, v)
		room := newRoom(ctx, alice, v.ID, joinRule("public"), csapi.PowerLevelOverride(map[string]any{"invite": 150}))
		expectCreatorsInvite(ctx, v, inviteAttempt{observer: alice, room: room, inviter: alice, invitee: bob.UserID},
			"the creator", "the creator (power level 100)")
	})

	additionalRule := conformance.NewRule("MEM-INVITE-ADDITIONAL-CREATOR", conformance.MUST, area, "rooms/v12.md (room creators include content.additional_creators of m.room.create); "+authRules+", membership invite",
		"lets a member named in additional_creators invite in a v12 room whose invite level (150) is above every listed power level, and refuses that member (power level 0) with 403 and no state change in v1–v11")
	conformance.ForEachRoomVersion(additionalRule, func(ctx SpecContext, v matrix.RoomVersion) {
		alice, bob, carol := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob"), bed.NewUser(ctx, "carol")
		bed.RequireRoomVersion(ctx, v)
		room := newRoom(ctx, alice, v.ID, joinRule("public"),
			csapi.CreationContent(map[string]any{"additional_creators": []string{bob.UserID}}),
			csapi.PowerLevelOverride(map[string]any{"invite": 150}))
		bob.MustJoinRoomByID(ctx, room)
		expectCreatorsInvite(ctx, v, inviteAttempt{observer: alice, room: room, inviter: bob, invitee: carol.UserID},
			"an additional creator", "a member listed in additional_creators (meaningless before v12)")
	})

	remoteRule := conformance.NewRule("MEM-INVITE-REMOTE", conformance.MUST, area, inviting+" (200); server-server-api §Inviting to a room (\"a request to that homeserver to have the event signed and verified must be made\")",
		"invites a user of another homeserver by asking that server to sign the invite, answers 200, and records the remote invitee's membership as invite")
	conformance.ForEachRoomVersion(remoteRule, func(ctx SpecContext, v matrix.RoomVersion) {
		alice := bed.NewUser(ctx, "alice")
		bed.RequireRoomVersion(ctx, v)
		remote := bed.NewRemote(ctx)
		carol := remote.User("carol")
		room := newRoom(ctx, alice, v.ID, joinRule("invite"))

		res, err := alice.Invite(ctx, room, carol)
		expectOK(res, err, "inviting "+carol+" of the mock remote server")
		invites := remote.ReceivedInvites()
		Expect(invites).To(HaveLen(1), "the remote server must have been asked to sign exactly one invite before the 200.%s", exchange(res))
		Expect(invites[0].Valid).To(BeTrue(), "the invite the remote server received failed its checks (see the federation transcript)")
		Expect(alice.MustMembership(ctx, room, carol)).To(Equal("invite"), "the remote invitee's membership.%s", exchange(res))
	})
})

package blocking

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
)

// clientInvite is one client-server request the module lists that invites
// a user: the invitee's own homeserver must refuse it when the invitee
// blocks invites.
type clientInvite struct {
	id, endpoint, yaml string
	send               func(ctx context.Context, alice *csapi.Client, room, bob string) (*csapi.Response, error)
}

var clientInvites = []clientInvite{
	{"INVITE", "POST /rooms/{roomId}/invite", "inviting.yaml", postInvite},
	{"MEMBER-STATE", "PUT /rooms/{roomId}/state/m.room.member/{stateKey} with membership invite", "room_state.yaml", putMemberInvite},
}

// postInvite has alice invite bob through POST /rooms/{roomId}/invite.
func postInvite(ctx context.Context, alice *csapi.Client, room, bob string) (*csapi.Response, error) {
	return alice.Invite(ctx, room, bob)
}

// putMemberInvite has alice invite bob by setting his m.room.member state
// event to membership invite.
func putMemberInvite(ctx context.Context, alice *csapi.Client, room, bob string) (*csapi.Response, error) {
	return alice.SendState(ctx, room, "m.room.member", bob, map[string]any{"membership": "invite"})
}

// blockedInvite is alice's invite of bob, who blocks invites, to a room
// she created, and the answer.
type blockedInvite struct {
	alice, bob *csapi.Client
	room       string
	res        *csapi.Response
}

// inviteBlocker registers alice and bob, has bob block invites and alice
// create a room, and sends alice's invite of bob.
func inviteBlocker(ctx context.Context, send func(ctx context.Context, alice *csapi.Client, room, bob string) (*csapi.Response, error)) blockedInvite {
	GinkgoHelper()
	alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
	block(ctx, bob)
	room := newRoom(ctx, alice)
	res, err := send(ctx, alice, room, bob.UserID)
	Expect(err).NotTo(HaveOccurred())
	return blockedInvite{alice, bob, room, res}
}

var _ = Describe("Invite blocking on the client-server API", func() {
	for _, c := range clientInvites {
		section := server + " (\"MUST respond … with an HTTP 403 status code, with the Matrix error code M_INVITE_BLOCKED\", " + c.endpoint + "); client-server " + c.yaml + " 403"

		statusRule := conformance.NewRule("BLOCK-"+c.id, conformance.MUST, area, section,
			"answers "+c.endpoint+" for a local user whose account data sets m.invite_permission_config default_action block with 403 and a Matrix error body, and records no invite for that user")
		conformance.It(statusRule, func(ctx SpecContext) {
			bi := inviteBlocker(ctx, c.send)
			what := bi.alice.UserID + " inviting " + bi.bob.UserID + ", who blocks invites, through " + c.endpoint
			problems := append(forbidden(bi.res.StatusCode, bi.res.Body), notInvited(bi.bob.UserID, bi.alice.MustMembership(ctx, bi.room, bi.bob.UserID))...)
			expectNone(problems, what, bi.res.Dump())
		})

		codeRule := conformance.NewRule("BLOCK-"+c.id+"-ERRCODE", conformance.MUST, area, section,
			"gives errcode M_INVITE_BLOCKED when it refuses "+c.endpoint+" for a local user who blocks invites")
		conformance.It(codeRule, func(ctx SpecContext) {
			bi := inviteBlocker(ctx, c.send)
			expectNone(blockedCode(bi.res.Body), bi.alice.UserID+" inviting "+bi.bob.UserID+", who blocks invites, through "+c.endpoint, bi.res.Dump())
		})
	}

	// The module lists createRoom "due to a user in the invite list" and
	// adds: "It is possible for one of the invited users to be rejected
	// whilst the room creation as a whole succeeds." Herald reads this as:
	// the blocked user is never invited, and the answer is either the
	// created room (200) or 403 M_INVITE_BLOCKED.
	createSection := server + " (POST /createRoom \"due to a user in the invite list. It is possible for one of the invited users to be rejected whilst the room creation as a whole succeeds\"); client-server create_room.yaml 403 (M_INVITE_BLOCKED)"

	createRule := conformance.NewRule("BLOCK-CREATEROOM", conformance.MUST, area, createSection,
		"does not invite a local user who blocks invites when that user is in createRoom's invite list: no room the request created holds an invite for them")
	conformance.It(createRule, func(ctx SpecContext) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		block(ctx, bob)
		before := alice.MustJoinedRooms(ctx)
		res, err := alice.CreateRoom(ctx, csapi.Name("Herald invite blocking room"), csapi.Preset(csapi.PresetPrivateChat), csapi.Invite(bob.UserID))
		Expect(err).NotTo(HaveOccurred())
		var problems []string
		for _, room := range newRooms(before, alice.MustJoinedRooms(ctx)) {
			problems = append(problems, notInvited(bob.UserID, alice.MustMembership(ctx, room, bob.UserID))...)
		}
		expectNone(problems, alice.UserID+" creating a room with "+bob.UserID+", who blocks invites, in invite", res.Dump())
	})

	answerRule := conformance.NewRule("BLOCK-CREATEROOM-ANSWER", conformance.MUST, area, createSection,
		"answers a createRoom whose invite list holds a local user who blocks invites either with 200 and the room_id (the room created without that invite) or with 403 M_INVITE_BLOCKED")
	conformance.It(answerRule, func(ctx SpecContext) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		block(ctx, bob)
		res, err := alice.CreateRoom(ctx, csapi.Name("Herald invite blocking room"), csapi.Preset(csapi.PresetPrivateChat), csapi.Invite(bob.UserID))
		Expect(err).NotTo(HaveOccurred())
		expectNone(createRoomAnswer(res.StatusCode, res.Body), alice.UserID+" creating a room with "+bob.UserID+", who blocks invites, in invite", res.Dump())
	})
})

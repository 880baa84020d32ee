package membership

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
)

// Where the spec states what createRoom does with its invite list.
const (
	createRoom = "client-server create_room.yaml POST /createRoom"
	// dmServer is the upstream client-server-api/modules/dm.md (not in the
	// project's spec copy) at the same commit.
	dmServer = `client-server dm.md §Server behaviour ("the home server must set the is_direct flag in the invite member event for any users invited in the /createRoom call")`
	// inviteOrder is create_room.yaml's order of the events it applies.
	inviteOrder = createRoom + ` ("It MUST apply the events implied by the request in the following order": the invite events, step 8, after the name and topic, step 7; invite: "This will tell the server to invite everyone in the list to the newly created room")`
)

// createdRoom is the scene of the createRoom rules: alice created a
// private room with a name and a topic, inviting bob (local) and carol (a
// user of a fresh mock server) in the same call.
type createdRoom struct {
	alice, bob   *csapi.Client
	remote       *federation.Server
	carol, room  string
	name, topic  string
	createAnswer *csapi.Response
}

// createRoomInviting sets the scene; opts add fields to the createRoom call.
func createRoomInviting(ctx context.Context, opts ...csapi.RoomOption) *createdRoom {
	GinkgoHelper()
	c := &createdRoom{alice: bed.NewUser(ctx, "alice"), bob: bed.NewUser(ctx, "bob"), remote: bed.NewRemote(ctx),
		name: unique("Herald created room"), topic: unique("invited at creation")}
	c.carol = c.remote.User("carol")
	res, err := c.alice.CreateRoom(ctx, append([]csapi.RoomOption{csapi.Preset(csapi.PresetPrivateChat),
		csapi.Name(c.name), csapi.Topic(c.topic), csapi.Invite(c.bob.UserID, c.carol)}, opts...)...)
	body := expectOK(res, err, "creating a room inviting "+c.bob.UserID+" and "+c.carol)
	c.room, _ = body["room_id"].(string)
	Expect(c.room).NotTo(BeEmpty(), "the createRoom answer has no room_id.%s", exchange(res))
	c.createAnswer = res
	return c
}

// remoteInvite waits for the invite of carol the mock receives and
// returns it.
func (c *createdRoom) remoteInvite(ctx context.Context) federation.ReceivedInvite {
	GinkgoHelper()
	Eventually(ctx, c.remote.ReceivedInvites).WithTimeout(bed.Config().Timeouts.Sync).Should(HaveLen(1),
		"the mock server of %s should receive one invite request for the createRoom call.%s", c.carol, exchange(c.createAnswer))
	inv := c.remote.ReceivedInvites()[0]
	Expect(inv.Event).NotTo(BeNil(), "the invite request the mock received carries no event (see the federation transcript)")
	return inv
}

// nameAndTopic is the name and topic the room was created with, as the
// invite state must show them.
func (c *createdRoom) nameAndTopic() []wantState {
	return []wantState{
		{"m.room.name", map[string]any{"name": c.name}},
		{"m.room.topic", map[string]any{"topic": c.topic}},
	}
}

// timelineLimit lets alice's initial /sync hold every event of the new room.
const timelineLimit = `{"room":{"timeline":{"limit":50}}}`

var _ = Describe("POST /createRoom with an invite list", func() {
	directRule := conformance.NewRule("MEM-CREATEROOM-DIRECT", conformance.MUST, area, dmServer+"; "+createRoom+" (is_direct)",
		"sets content.is_direct to true in the invite member event of a local user invited by a createRoom call with is_direct: true, as the room state and the invitee's /sync invite_state show it")
	conformance.It(directRule, func(ctx SpecContext) {
		c := createRoomInviting(ctx, csapi.IsDirect())
		inState := c.alice.MustStateEvent(ctx, c.room, "m.room.member", c.bob.UserID)
		Expect(directFlagProblems(inState)).To(BeEmpty(), "%s's m.room.member in the room state after a createRoom call with is_direct: true (content %s).%s",
			c.bob.UserID, compact(inState), exchange(c.createAnswer))

		sr := c.bob.MustSyncUntil(ctx, csapi.InvitedTo(c.room))
		ev, ok := sr.InviteStateEvent(c.room, "m.room.member", c.bob.UserID)
		Expect(ok).To(BeTrue(), "%s's /sync invite_state of %s holds no m.room.member of theirs: %s", c.bob.UserID, c.room, sr.Summary())
		Expect(directFlagProblems(ev.Content())).To(BeEmpty(), "%s's m.room.member in their /sync invite_state: %s", c.bob.UserID, ev)
	})

	directRemoteRule := conformance.NewRule("MEM-CREATEROOM-DIRECT-REMOTE", conformance.MUST, area, dmServer+"; "+createRoom+" (is_direct); server-server-api §Inviting to a room",
		"sets content.is_direct to true in the invite event it sends the server of a remote user invited by a createRoom call with is_direct: true")
	conformance.It(directRemoteRule, func(ctx SpecContext) {
		c := createRoomInviting(ctx, csapi.IsDirect())
		inv := c.remoteInvite(ctx)
		Expect(directFlagProblems(inv.Event.Content())).To(BeEmpty(), "the invite of %s the mock server received (%s API) after a createRoom call with is_direct: true:\n%s",
			c.carol, inv.API, inv.Event.JSON())
	})

	orderRule := conformance.NewRule("MEM-CREATEROOM-INVITE-LAST", conformance.MUST, area, inviteOrder,
		"applies the invite events of a createRoom call after the room's other initial state, its name and topic included: in the room's timeline no other state event follows the first invite")
	conformance.It(orderRule, func(ctx SpecContext) {
		c := createRoomInviting(ctx)
		tl := wholeTimeline(ctx, c.alice, c.room, csapi.MembershipIs(c.room, c.carol, "invite"))
		problems := inviteOrderProblems(tl, []string{c.bob.UserID, c.carol}, "m.room.name", "m.room.topic")
		Expect(problems).To(BeEmpty(), "the timeline of %s in %s's /sync (oldest first: %s) after a createRoom call with a name, a topic and the invite list [%s, %s]:\n  %s",
			c.room, c.alice.UserID, csapi.EventTypes(tl), c.bob.UserID, c.carol, strings.Join(problems, "\n  "))
	})

	// Invites come last (MEM-CREATEROOM-INVITE-LAST, a MUST), so the room
	// has its name and topic when they are made; giving them in the invite
	// state is the SHOULD of client-server-api §Stripped state (and of
	// m.room.member.yaml for the name). A server that gives them to an
	// invite made later (MEM-INVITE-STRIPPED-NAME, -TOPIC) and not here
	// invited before it applied them.
	stateRule := conformance.NewRule("MEM-CREATEROOM-INVITE-STATE", conformance.SHOULD, area,
		inviteOrder+`; client-server-api §Stripped state (m.room.name and m.room.topic "should be represented as stripped state when possible")`,
		"gives a local user invited by a createRoom call with a name and a topic the room's m.room.name and m.room.topic in their /sync invite_state")
	conformance.It(stateRule, func(ctx SpecContext) {
		c := createRoomInviting(ctx)
		sr := c.bob.MustSyncUntil(ctx, csapi.InvitedTo(c.room))
		problems := strippedStateProblems(eventObjects(sr.InviteState(c.room)), c.nameAndTopic()...)
		Expect(problems).To(BeEmpty(), "rooms.invite[%s].invite_state of %s's /sync, invited by a createRoom call with a name and a topic: %s",
			c.room, c.bob.UserID, sr.Summary())
	})

	stateRemoteRule := conformance.NewRule("MEM-CREATEROOM-INVITE-STATE-REMOTE", conformance.SHOULD, area,
		inviteOrder+`; m.room.member.yaml invite_room_state ("at least the state for m.room.avatar, m.room.canonical_alias, m.room.join_rules, and m.room.name SHOULD be included"); client-server-api §Stripped state (m.room.topic)`,
		"sends the server of a remote user invited by a createRoom call with a name and a topic the room's m.room.name and m.room.topic in the invite's invite_room_state")
	conformance.It(stateRemoteRule, func(ctx SpecContext) {
		c := createRoomInviting(ctx)
		inv := c.remoteInvite(ctx)
		problems := strippedStateProblems(inv.InviteRoomState, c.nameAndTopic()...)
		Expect(problems).To(BeEmpty(), "the invite_room_state of the invite of %s the mock server received (%s API) holds %s",
			c.carol, inv.API, stateTypes(inv.InviteRoomState))
	})
})

// stateTypes lists the types of a list of JSON events.
func stateTypes(events []any) string {
	var parts []string
	for _, item := range events {
		ev, _ := item.(map[string]any)
		parts = append(parts, fmt.Sprint(ev["type"]))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

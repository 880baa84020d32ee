package membership

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
)

// Where the spec says an invited user is not yet a participant.
const (
	notYet = `m.room.member.yaml ("invite - The user has been invited to join a room, but has not yet joined it. They may not participate in the room until they join."); ` +
		`rooms/vN.md §Authorization rules, for every event but m.room.create and m.room.member ("If the sender's current membership state is not join, reject")`
	sending      = "client-server room_send.yaml PUT /rooms/{roomId}/send/{eventType}/{txnId} (lists no 403; M_FORBIDDEN is the common code for \"Forbidden access\")"
	settingState = "client-server room_state.yaml PUT /rooms/{roomId}/state/{eventType}/{stateKey} (403: \"The sender doesn't have permission to send the event into the room\")"
)

// witnessed has alice send a message after what bob tried, and returns
// the room's whole timeline once it shows that message: the room's events
// up to it are all there.
func witnessed(ctx context.Context, alice *csapi.Client, room string) []csapi.Event {
	GinkgoHelper()
	id := alice.MustSendEvent(ctx, room, "m.room.message", map[string]any{"msgtype": "m.text", "body": "after the invitee's attempt"})
	return wholeTimeline(ctx, alice, room, csapi.TimelineHas(room, "alice's message after the invitee's attempt", func(e csapi.Event) bool { return e.ID() == id }))
}

// wholeTimeline waits until member's /sync passes until, then returns the
// room's timeline, oldest first, from one initial /sync whose timeline
// holds every event of a new room: an incremental /sync that passed would
// hold only what came after the one before it.
func wholeTimeline(ctx context.Context, member *csapi.Client, room string, until csapi.SyncCheck) []csapi.Event {
	GinkgoHelper()
	member.MustSyncUntil(ctx, until)
	sr := member.MustSync(ctx, csapi.SyncRequest{Filter: timelineLimit})
	Expect(until.Test(sr)).To(BeTrue(), "%s's initial /sync, after one that showed %s, does not show it: %s", member.UserID, until, sr.Summary())
	return sr.Timeline(room)
}

var _ = Describe("An invited user who has not joined", func() {
	messageRule := conformance.NewRule("MEM-INVITED-SEND-MESSAGE", conformance.MUST, area, notYet+"; "+sending,
		"refuses a message event sent by a user who is invited to the room but has not joined with a 4xx standard error response (strict runs: 403), and the room's timeline holds no event of theirs")
	conformance.It(messageRule, func(ctx SpecContext) {
		alice, bob, room := bobInvited(ctx)

		res, err := bob.SendEvent(ctx, room, "m.room.message", map[string]any{"msgtype": "m.text", "body": "sent while only invited"})
		Expect(err).NotTo(HaveOccurred(), "%s sending a message while only invited: no answer", bob.UserID)
		// room_send.yaml lists no 403, so non-strict runs take any 4xx
		// refusal; strict runs want 403, M_FORBIDDEN's.
		want := http.StatusForbidden
		if !conformance.Strict() && res.StatusCode >= 400 && res.StatusCode < 500 {
			want = res.StatusCode
		}
		expectError(res, err, want, bob.UserID+" sending a message while only invited")
		tl := witnessed(ctx, alice, room)
		Expect(sentBy(tl, bob.UserID)).To(BeEmpty(), "the timeline of %s in %s's /sync (oldest first: %s) holds events of the invited %s after the refusal.%s",
			room, alice.UserID, csapi.EventTypes(tl), bob.UserID, exchange(res))
	})

	stateRule := conformance.NewRule("MEM-INVITED-SEND-STATE", conformance.MUST, area, notYet+"; "+settingState,
		"refuses a state event (m.room.topic) sent by a user who is invited to the room but has not joined with 403 and a standard error response, changes nothing in the room state, and the room's timeline holds no event of theirs")
	conformance.It(stateRule, func(ctx SpecContext) {
		alice, bob, room := bobInvited(ctx)
		before := snapshot(ctx, alice, room)

		res, err := bob.SendState(ctx, room, "m.room.topic", "", map[string]any{"topic": "set while only invited"})
		expectError(res, err, http.StatusForbidden, bob.UserID+" setting the room's m.room.topic while only invited")
		expectUnchanged(ctx, alice, room, before, res)
		tl := witnessed(ctx, alice, room)
		Expect(sentBy(tl, bob.UserID)).To(BeEmpty(), "the timeline of %s in %s's /sync (oldest first: %s) holds events of the invited %s after the refusal.%s",
			room, alice.UserID, csapi.EventTypes(tl), bob.UserID, exchange(res))
	})
})

package membership

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
)

// invitedCount is the room summary field these rules judge.
const invitedCount = "m.invited_member_count"

// lazyMembers is an inline /sync filter that enables lazy-loading of
// members (and keeps left rooms, as SyncUntil's default filter does).
const lazyMembers = `{"room":{"include_leave":true,"state":{"lazy_load_members":true}}}`

// syncsUntil follows user's /sync from since (an initial sync when empty)
// until check passes, and returns every response, oldest first: the one
// that passed is the last.
func syncsUntil(ctx context.Context, user *csapi.Client, since, filter string, check csapi.SyncCheck) []*csapi.SyncResponse {
	GinkgoHelper()
	var seen []*csapi.SyncResponse
	record := csapi.Check(check.What, func(s *csapi.SyncResponse) bool {
		seen = append(seen, s)
		return check.Test(s)
	})
	opts := []csapi.SyncOption{csapi.SyncSince(since)}
	if filter != "" {
		opts = append(opts, csapi.SyncFilter(filter))
	}
	user.MustSyncUntil(ctx, record, opts...)
	return seen
}

// invitedCountProblems judges the summaries of room in syncs, the
// incremental /sync responses of a joined member from the last sync before
// the number of invited users changed to want up to the first that shows
// the membership event that changed it. The field "may be omitted" only
// when it has not changed since the last sync, so by the last response the
// member must have been told: the last response that gives
// m.invited_member_count must give want, and some response must give it.
func invitedCountProblems(syncs []*csapi.SyncResponse, room string, want int64) []string {
	if len(syncs) == 0 {
		return []string{"no /sync responses to judge"}
	}
	var out []string
	last, lastAt := "", 0
	for i, sr := range syncs {
		v := sr.Field("rooms", "join", room, "summary", invitedCount)
		if v == nil {
			continue
		}
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			out = append(out, fmt.Sprintf("response #%d gives %s %s, not an integer", i+1, invitedCount, compact(v)))
			continue
		}
		last, lastAt = n.String(), i+1
	}
	switch {
	case lastAt == 0 && len(out) == 0:
		out = append(out, fmt.Sprintf("none of the %d incremental /sync responses gives rooms.join[%s].summary.%s, although the number of invited users changed to %d since the last sync: the field is required then",
			len(syncs), room, invitedCount, want))
	case lastAt != 0 && last != fmt.Sprint(want):
		out = append(out, fmt.Sprintf("response #%d of %d gives %s %s, want %d (the users whose membership is invite)", lastAt, len(syncs), invitedCount, last, want))
	}
	return out
}

// summariesShown renders what each response gave as the room's summary,
// for failure messages.
func summariesShown(syncs []*csapi.SyncResponse, room string) string {
	var b strings.Builder
	for i, sr := range syncs {
		fmt.Fprintf(&b, "  #%d: summary %s; %s\n", i+1, compact(sr.Field("rooms", "join", room, "summary")), sr.Summary())
	}
	return b.String()
}

var _ = Describe("The room summary of /sync", func() {
	section := "client-server sync.yaml GET /sync, rooms.join RoomSummary m.invited_member_count (\"The number of users with membership of invite. If this field has not changed since the last sync, it may be omitted. Required otherwise.\")"

	for _, filter := range []struct{ id, how, filter string }{
		{"", "", ""},
		{"-LAZY", " with lazy-loading of members enabled in its filter", lazyMembers},
	} {
		inviteRule := conformance.NewRule("MEM-SYNC-INVITED-COUNT"+filter.id, conformance.MUST, area, section,
			"tells a member that the number of invited users changed: after a member of a room with nobody invited invites a user, the member's incremental /sync"+filter.how+" gives rooms.join[room].summary m.invited_member_count 1, at the latest in the response that shows the invite")
		conformance.It(inviteRule, func(ctx SpecContext) {
			alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
			room := newRoom(ctx, alice, serverDefault, joinRule("invite"))
			before := syncsUntil(ctx, alice, "", filter.filter, csapi.JoinedTo(room))

			alice.MustInvite(ctx, room, bob.UserID)
			syncs := syncsUntil(ctx, alice, before[len(before)-1].NextBatch, filter.filter, csapi.MembershipIs(room, bob.UserID, "invite"))
			Expect(invitedCountProblems(syncs, room, 1)).To(BeEmpty(),
				"%s invited %s to %s, where nobody was invited; %s's /sync%s from then on:\n%s", alice.UserID, bob.UserID, room, alice.UserID, filter.how, summariesShown(syncs, room))
		})

		joinedRule := conformance.NewRule("MEM-SYNC-INVITED-COUNT-JOINED"+filter.id, conformance.MUST, area, section,
			"tells a member that the number of invited users changed: after the only invited user of a room joins, a member's incremental /sync"+filter.how+" gives rooms.join[room].summary m.invited_member_count 0, at the latest in the response that shows the join")
		conformance.It(joinedRule, func(ctx SpecContext) {
			alice, bob, room := bobInvited(ctx)
			before := syncsUntil(ctx, alice, "", filter.filter, csapi.JoinedTo(room)) // after the invite

			bob.MustJoinRoomByID(ctx, room)
			syncs := syncsUntil(ctx, alice, before[len(before)-1].NextBatch, filter.filter, csapi.MembershipIs(room, bob.UserID, "join"))
			Expect(invitedCountProblems(syncs, room, 0)).To(BeEmpty(),
				"%s, the only user invited to %s, joined; %s's /sync%s from then on:\n%s", bob.UserID, room, alice.UserID, filter.how, summariesShown(syncs, room))
		})
	}
})

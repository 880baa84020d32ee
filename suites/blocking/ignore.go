package blocking

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/match"
)

// ignoreSection is where the ignoring-users module states the rules.
const ignoreSection = "client-server-api §Ignoring Users, Server behaviour (modules/ignore_users.md: \"Servers must not send room invites from ignored users to clients. Servers may optionally decide to reject the invite, however.\")"

// ignore sets user's m.ignored_user_list to the given users.
func ignore(ctx context.Context, user *csapi.Client, ignored ...string) {
	GinkgoHelper()
	list := map[string]any{}
	for _, u := range ignored {
		list[u] = map[string]any{}
	}
	user.MustSetAccountData(ctx, "m.ignored_user_list", map[string]any{"ignored_users": list})
}

// ignoredInvite is an invite of bob by a user bob ignores, and what bob's
// /sync showed from before it until a later invite by a user he does not
// ignore (the marker) reached him.
type ignoredInvite struct {
	bob           *csapi.Client
	inviter, room string
	// answer is the status the invite was answered.
	answer string
	// marker is the later room, markedBy the user who invited bob to it.
	marker, markedBy string
	// incremental is bob's /sync from before the ignored invite until
	// the marker's invite, oldest first.
	incremental []*csapi.SyncResponse
}

// whatHappened is the story of an ignored invite for failure messages.
func (ii ignoredInvite) whatHappened() string {
	return fmt.Sprintf("%s ignores %s, who invited them to %s (answered %s); then %s invited them to %s",
		ii.bob.UserID, ii.inviter, ii.room, ii.answer, ii.markedBy, ii.marker)
}

// syncTo follows bob's /sync from since until he is invited to the marker
// room, and returns every response, oldest first.
func syncTo(ctx context.Context, bob *csapi.Client, since, marker string) []*csapi.SyncResponse {
	GinkgoHelper()
	var seen []*csapi.SyncResponse
	check := csapi.InvitedTo(marker)
	bob.MustSyncUntil(ctx, csapi.Check(check.What, func(s *csapi.SyncResponse) bool {
		seen = append(seen, s)
		return check.Test(s)
	}), csapi.SyncSince(since))
	return seen
}

// localIgnoredInvite: bob ignores alice, both local; alice invites bob to
// her room, then carol, whom bob does not ignore, invites him to hers.
func localIgnoredInvite(ctx context.Context) ignoredInvite {
	GinkgoHelper()
	alice, bob, carol := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob"), bed.NewUser(ctx, "carol")
	ignore(ctx, bob, alice.UserID)
	since := initialSync(ctx, bob).NextBatch

	room := newRoom(ctx, alice)
	res, err := alice.Invite(ctx, room, bob.UserID)
	Expect(err).NotTo(HaveOccurred(), "%s inviting %s", alice.UserID, bob.UserID)
	marker := newRoom(ctx, carol)
	carol.MustInvite(ctx, marker, bob.UserID)
	return ignoredInvite{
		bob: bob, inviter: alice.UserID, room: room, answer: fmt.Sprint(res.StatusCode),
		marker: marker, markedBy: carol.UserID, incremental: syncTo(ctx, bob, since, marker),
	}
}

// remoteIgnoredInvite: bob ignores alice of a mock server, who invites
// him over the v2 API; then dave of the same mock, whom bob does not
// ignore, invites him to another room.
func remoteIgnoredInvite(ctx context.Context) ignoredInvite {
	GinkgoHelper()
	rv := bed.DefaultRoomVersion(ctx)
	s := newRemoteScene(ctx, rv)
	ignore(ctx, s.Bob, s.Alice)
	since := initialSync(ctx, s.Bob).NextBatch

	res := s.sendV2(ctx)
	dave := s.Remote.User("dave")
	marker := s.Remote.CreateRoom(rv, dave, federation.RoomName("Herald ignored-user marker v"+rv.ID))
	markerRes, err := s.Remote.SendInviteV2(ctx, marker.InviteEvent(dave, s.Bob.UserID))
	Expect(err).NotTo(HaveOccurred(), "sending the v2 invite of %s by %s", s.Bob.UserID, dave)
	Expect(markerRes).To(match.HaveStatus(http.StatusOK), "the v2 invite of %s by %s, whom they do not ignore", s.Bob.UserID, dave)
	return ignoredInvite{
		bob: s.Bob, inviter: s.Alice, room: s.Room.ID, answer: fmt.Sprint(res.StatusCode) + " over the v2 API",
		marker: marker.ID, markedBy: dave, incremental: syncTo(ctx, s.Bob, since, marker.ID),
	}
}

// ignoredServed checks /sync responses of a user who ignores the sender
// of an invite to room: none may list room under rooms.invite.
func ignoredServed(syncs []*csapi.SyncResponse, room string) []string {
	var out []string
	for i, sr := range syncs {
		if slices.Contains(sr.InvitedRooms(), room) {
			out = append(out, fmt.Sprintf("/sync response #%d of %d lists %s under rooms.invite: the invite from an ignored user was sent to the client", i+1, len(syncs), room))
		}
	}
	return out
}

// syncsShown renders /sync responses for failure messages.
func syncsShown(what string, syncs []*csapi.SyncResponse) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n", what)
	for i, sr := range syncs {
		fmt.Fprintf(&b, "  #%d: %s\n", i+1, sr.Summary())
	}
	return b.String()
}

var _ = Describe("Invites from ignored users and /sync", func() {
	for _, c := range []struct {
		id, who string
		scene   func(context.Context) ignoredInvite
	}{
		{"", "a local user", localIgnoredInvite},
		{"-REMOTE", "a user of another server (over the v2 invite API)", remoteIgnoredInvite},
	} {
		incrementalRule := conformance.NewRule("IGNORE-INVITE-SYNC"+c.id+"-INCREMENTAL", conformance.MUST, area, ignoreSection,
			"does not send a user an invite from "+c.who+" listed in their m.ignored_user_list: no incremental /sync of the invitee lists the room under rooms.invite, up to the one that shows a later invite from a user they do not ignore (refusing or rejecting the ignored invite instead is allowed)")
		conformance.It(incrementalRule, func(ctx SpecContext) {
			ii := c.scene(ctx)
			expectNone(ignoredServed(ii.incremental, ii.room), ii.whatHappened(),
				syncsShown("the invitee's incremental /sync from before the ignored invite", ii.incremental))
		})

		initialRule := conformance.NewRule("IGNORE-INVITE-SYNC"+c.id, conformance.MUST, area, ignoreSection,
			"does not send a user an invite from "+c.who+" listed in their m.ignored_user_list: once a later invite from a user they do not ignore has reached them, an initial /sync of the invitee does not list the room under rooms.invite (refusing or rejecting the ignored invite instead is allowed)")
		conformance.It(initialRule, func(ctx SpecContext) {
			ii := c.scene(ctx)
			sr := initialSync(ctx, ii.bob)
			expectNone(ignoredServed([]*csapi.SyncResponse{sr}, ii.room), ii.whatHappened(), syncShown(sr))
		})
	}
})

package csapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

const inviteEvent = `{"type":"m.room.member", "state_key":"@bob:hs1","sender":"@alice:hs2","content":{"membership":"invite"}}`

// syncServer answers /sync from a script keyed by since; an unscripted since
// waits a little (as a long-poll would) and moves the token on by one.
func syncServer(t *testing.T, script map[string]string) *fakeServer {
	return newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
		if s.Path != "/_matrix/client/v3/sync" {
			reply(w, 404, `{"errcode":"M_UNRECOGNIZED"}`)
			return
		}
		since := s.Query.Get("since")
		if body, ok := script[since]; ok {
			reply(w, 200, body)
			return
		}
		select {
		case <-time.After(30 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(since, "s"))
		reply(w, 200, `{"next_batch":"s`+strconv.Itoa(n+1)+`","rooms":{"join":{"!busy:hs1":{"timeline":{"events":[{"type":"m.room.message","content":{"body":"noise"}}]}}}}}`)
	})
}

func TestSyncUntilFollowsNextBatch(t *testing.T) {
	g := NewWithT(t)
	f := syncServer(t, map[string]string{
		"":   `{"next_batch":"s1","rooms":{"join":{"!other:hs1":{"timeline":{"events":[]}}}}}`,
		"s1": `{"next_batch":"s2"}`,
		"s2": `{"next_batch":"s3","rooms":{"invite":{"!r:hs2":{"invite_state":{"events":[` + inviteEvent + `,{"type":"m.room.name","state_key":"","content":{"name":"Tea"}}]}}}}}`,
	})
	bob := New(f.URL, WithSyncPoll(1500*time.Millisecond)).WithSession(Session{UserID: "@bob:hs1", AccessToken: "tok-bob"}).WithGomega(g)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	sr := bob.MustSyncUntil(ctx, InvitedTo("!r:hs2"))
	g.Expect(sr.NextBatch).To(Equal("s3"))
	g.Expect(sr.InvitedRooms()).To(Equal([]string{"!r:hs2"}))
	g.Expect(InviteStateHas("!r:hs2", "m.room.name", "").Test(sr)).To(BeTrue())
	g.Expect(InviteStateHas("!r:hs2", "m.room.topic", "").Test(sr)).To(BeFalse())
	g.Expect(sr.Membership("!r:hs2", "@bob:hs1")).To(Equal("invite"))
	invState := sr.InviteState("!r:hs2")
	g.Expect(invState).To(HaveLen(2))
	g.Expect(string(invState[0].Raw)).To(Equal(inviteEvent))
	g.Expect(string(sr.Raw())).To(ContainSubstring(inviteEvent))
	g.Expect(sr.Field("rooms", "invite", "!r:hs2", "invite_state", "events", "1", "content", "name")).To(Equal("Tea"))

	reqs := f.requests()
	g.Expect(reqs).To(HaveLen(3))
	g.Expect(reqs[0].Query).NotTo(HaveKey("since"))
	g.Expect(reqs[0].Query.Get("timeout")).To(Equal("0"))
	g.Expect(reqs[0].Query.Get("filter")).To(MatchJSON(`{"room":{"include_leave":true}}`))
	g.Expect(reqs[1].Query.Get("since")).To(Equal("s1"))
	g.Expect(reqs[1].Query.Get("timeout")).To(Equal("1500"))
	g.Expect(reqs[2].Query.Get("since")).To(Equal("s2"))
	for _, r := range reqs {
		g.Expect(r.Header.Get("Authorization")).To(Equal("Bearer tok-bob"))
	}
}

func TestSyncUntilStartsFromSince(t *testing.T) {
	g := NewWithT(t)
	f := syncServer(t, map[string]string{
		"s7": `{"next_batch":"s8","rooms":{"leave":{"!r:hs1":{"timeline":{"events":[{"type":"m.room.member","state_key":"@bob:hs1","content":{"membership":"leave"}}]}}}}}`,
	})
	bob := New(f.URL).WithGomega(g)
	sr := bob.MustSyncUntil(context.Background(), All(LeftRoom("!r:hs1"), MembershipIs("!r:hs1", "@bob:hs1", "leave")),
		SyncSince("s7"), SyncFilter("filter-id"), SyncPoll(time.Second))
	g.Expect(sr.LeftRooms()).To(Equal([]string{"!r:hs1"}))
	g.Expect(f.requests()).To(HaveLen(1))
	g.Expect(f.last().Query.Get("since")).To(Equal("s7"))
	g.Expect(f.last().Query.Get("filter")).To(Equal("filter-id"))
	g.Expect(f.last().Query.Get("timeout")).To(Equal("1000"))
}

func TestSyncUntilGivesUpAtDeadlineSayingWhatItSaw(t *testing.T) {
	g := NewWithT(t)
	f := syncServer(t, map[string]string{"": `{"next_batch":"s1"}`})
	bob := New(f.URL).WithSession(Session{UserID: "@bob:hs1"})
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()

	start := time.Now()
	sr, err := bob.SyncUntil(ctx, InvitedTo("!never:hs1"))
	g.Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
	g.Expect(sr).To(BeNil())
	g.Expect(errors.Is(err, context.DeadlineExceeded)).To(BeTrue(), "error: %v", err)
	msg := err.Error()
	t.Log(msg)
	g.Expect(msg).To(HavePrefix(`@bob:hs1's /sync did not show "invited to !never:hs1": gave up after `))
	g.Expect(msg).To(ContainSubstring(" responses (context deadline exceeded); the last 3, oldest first:"))
	g.Expect(msg).To(MatchRegexp(`\n  since "s\d+" → next_batch "s\d+"; join !busy:hs1 timeline\[m.room.message\]`))
	g.Expect(strings.Count(msg, "\n")).To(Equal(3))
}

func TestSyncUntilGivesUpWhenNoSyncIsAnswered(t *testing.T) {
	g := NewWithT(t)
	bob := New(silentServer(t), WithSyncTimeout(200*time.Millisecond))
	start := time.Now()
	_, err := bob.SyncUntil(context.Background(), JoinedTo("!r:hs1"))
	g.Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
	g.Expect(errors.Is(err, context.DeadlineExceeded)).To(BeTrue(), "error: %v", err)
	g.Expect(err.Error()).To(And(
		ContainSubstring(`an anonymous client's /sync did not show "joined to !r:hs1": gave up after`),
		ContainSubstring("and 0 responses"),
		HaveSuffix("; no sync was answered")))
}

func TestSyncUntilStopsOnAnError(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(401, `{"errcode":"M_UNKNOWN_TOKEN","error":"Unknown token"}`))
	start := time.Now()
	_, err := New(f.URL).WithToken("bad").SyncUntil(context.Background(), JoinedTo("!r:hs1"))
	g.Expect(time.Since(start)).To(BeNumerically("<", time.Second))
	g.Expect(err).To(MatchError(And(
		ContainSubstring("syncing until joined to !r:hs1: sync #1 was not answered 200"),
		ContainSubstring("received: 401 Unauthorized"),
		ContainSubstring("M_UNKNOWN_TOKEN"))))

	_, err = New(refusedURL(t)).SyncUntil(context.Background(), JoinedTo("!r:hs1"))
	g.Expect(errors.Is(err, context.DeadlineExceeded)).To(BeFalse())
	g.Expect(err).To(MatchError(ContainSubstring("connection refused")))

	bad := newFake(t, answerWith(200, `{"next_batch":"s1","rooms":{"join":[]}}`))
	_, err = New(bad.URL).SyncUntil(context.Background(), JoinedTo("!r:hs1"))
	g.Expect(err).To(MatchError(ContainSubstring("sync #1: decoding the body")))
}

func TestSyncUntilDoesNotSpinOnAStuckServer(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(200, `{"next_batch":"same"}`))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := New(f.URL).SyncUntil(ctx, JoinedTo("!r:hs1"), SyncSince("same"))
	g.Expect(err).To(HaveOccurred())
	g.Expect(len(f.requests())).To(BeNumerically("<=", 7))
}

func TestSyncChecks(t *testing.T) {
	g := NewWithT(t)
	res := exchange(t, 200, `{"next_batch":"s9","rooms":{
		"join":{"!j:hs1":{
			"state":{"events":[{"type":"m.room.member","state_key":"@c:hs1","content":{"membership":"invite"}}]},
			"timeline":{"events":[
				{"type":"m.room.member","state_key":"@c:hs1","content":{"membership":"join"}},
				{"type":"m.room.message","sender":"@c:hs1","content":{"body":"hello"}}]}}},
		"invite":{"!i:hs1":{"invite_state":{"events":[`+inviteEvent+`]}}},
		"leave":{"!l:hs1":{"timeline":{"events":[{"type":"m.room.member","state_key":"@bob:hs1","content":{"membership":"ban"}}]}}}}}`,
		"GET", "/sync")
	sr, err := ParseSync(res)
	g.Expect(err).NotTo(HaveOccurred())

	g.Expect(sr.JoinedRooms()).To(Equal([]string{"!j:hs1"}))
	g.Expect(JoinedTo("!j:hs1").Test(sr)).To(BeTrue())
	g.Expect(JoinedTo("!i:hs1").Test(sr)).To(BeFalse())
	g.Expect(InvitedTo("!i:hs1").Test(sr)).To(BeTrue())
	g.Expect(LeftRoom("!l:hs1").Test(sr)).To(BeTrue())
	g.Expect(MembershipIs("!j:hs1", "@c:hs1", "join").Test(sr)).To(BeTrue())
	g.Expect(MembershipIs("!l:hs1", "@bob:hs1", "ban").Test(sr)).To(BeTrue())
	g.Expect(sr.Membership("!j:hs1", "@nobody:hs1")).To(BeEmpty())
	g.Expect(InviteStateHas("!i:hs1", "m.room.member", "@bob:hs1").Test(sr)).To(BeTrue())
	hello := TimelineHas("!j:hs1", "a message saying hello", func(ev Event) bool { return ev.Get("content.body") == "hello" })
	g.Expect(hello.Test(sr)).To(BeTrue())
	g.Expect(hello.String()).To(Equal("a message saying hello in the timeline of !j:hs1"))
	g.Expect(All(hello, InvitedTo("!i:hs1")).Test(sr)).To(BeTrue())
	g.Expect(All(hello, InvitedTo("!x:hs1")).Test(sr)).To(BeFalse())
	g.Expect(All(hello, InvitedTo("!x:hs1")).What).To(Equal("a message saying hello in the timeline of !j:hs1 and invited to !x:hs1"))
	g.Expect(sr.StateEvents("!j:hs1")).To(HaveLen(1))
	g.Expect(sr.Timeline("!l:hs1")).To(HaveLen(1))
	g.Expect(sr.Get("rooms.join.!j:hs1.timeline.events.1.sender")).To(Equal("@c:hs1"))

	g.Expect(sr.Summary()).To(Equal(`next_batch "s9"` +
		`; join !j:hs1 state[m.room.member(@c:hs1)=invite] timeline[m.room.member(@c:hs1)=join m.room.message]` +
		`; invite !i:hs1 invite_state[m.room.member(@bob:hs1)=invite]` +
		`; leave !l:hs1 timeline[m.room.member(@bob:hs1)=ban]`))
}

package csapi

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// recordingGomega returns a Gomega that keeps failure messages instead of
// failing the test, and a way to read them.
func recordingGomega() (Gomega, func() []string) {
	var mu sync.Mutex
	var failures []string
	g := NewGomega(func(message string, _ ...int) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, message)
	})
	return g, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), failures...)
	}
}

func TestMustFailsTheSpecShowingRequestAndResponse(t *testing.T) {
	g := NewWithT(t)
	RegisterTestingT(t) // as a Ginkgo suite's RegisterFailHandler does
	f := newFake(t, answerWith(403, `{"errcode":"M_FORBIDDEN","error":"Guests may not create rooms"}`))
	alice := New(f.URL).WithSession(Session{UserID: "@alice:hs1", AccessToken: "tok"})

	var roomID string
	failures := InterceptGomegaFailures(func() {
		roomID = alice.MustCreateRoom(context.Background(), RoomVersion("1"), Preset(PresetPublicChat))
	})
	g.Expect(roomID).To(BeEmpty())
	g.Expect(failures).To(HaveLen(1))
	msg := failures[0]
	t.Log(msg)
	g.Expect(msg).To(HavePrefix("@alice:hs1 creating a room: expected 200 with room_id, but the server answered 403 M_FORBIDDEN\n"))
	g.Expect(msg).To(ContainSubstring("sent:     POST " + f.URL + "/_matrix/client/v3/createRoom\n"))
	g.Expect(msg).To(ContainSubstring(`{"preset":"public_chat","room_version":"1"}`))
	g.Expect(msg).To(ContainSubstring("received: 403 Forbidden"))
	g.Expect(msg).To(ContainSubstring(`{"errcode":"M_FORBIDDEN","error":"Guests may not create rooms"}`))
}

func TestMustReportsToTheClientsGomega(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	rec, failures := recordingGomega()

	ok := newFake(t, answerWith(200, `{"not_room_id":"x"}`))
	New(ok.URL).WithGomega(rec).MustCreateRoom(ctx)

	notJSON := newFake(t, answerWith(200, `<html>`))
	New(notJSON.URL).WithGomega(rec).MustInvite(ctx, "!r:hs1", "@b:hs1")

	refused := refusedURL(t)
	w := New(refused).WithGomega(rec).MustWhoami(ctx)
	g.Expect(w).To(Equal(Whoami{}))

	got := failures()
	g.Expect(got).To(HaveLen(3))
	g.Expect(got[0]).To(HavePrefix(`an anonymous client creating a room: expected 200 with room_id, but the body has no "room_id"`))
	g.Expect(got[0]).To(ContainSubstring(`{"not_room_id":"x"}`))
	g.Expect(got[1]).To(HavePrefix(`an anonymous client inviting @b:hs1 to !r:hs1: expected 200, but the body is not JSON`))
	g.Expect(got[1]).To(ContainSubstring("sent:     POST " + notJSON.URL + "/_matrix/client/v3/rooms/%21r:hs1/invite"))
	g.Expect(got[1]).To(ContainSubstring(`{"user_id":"@b:hs1"}`))
	g.Expect(got[2]).To(HavePrefix("asking whom the token of an anonymous client belongs to: expected 200 with user_id, but no answer: "))
	g.Expect(got[2]).To(ContainSubstring("GET " + refused + "/_matrix/client/v3/account/whoami"))
	g.Expect(got[2]).To(ContainSubstring("connection refused"))
}

func TestMustSyncUntilFailsWithTheTimeoutStory(t *testing.T) {
	g := NewWithT(t)
	rec, failures := recordingGomega()
	f := syncServer(t, map[string]string{"": `{"next_batch":"s1"}`})
	bob := New(f.URL, WithSyncTimeout(200*time.Millisecond)).WithSession(Session{UserID: "@bob:hs1"}).WithGomega(rec)

	sr := bob.MustSyncUntil(context.Background(), InvitedTo("!r:hs1"))
	g.Expect(sr).To(BeNil())
	got := failures()
	g.Expect(got).To(HaveLen(1))
	g.Expect(got[0]).To(HavePrefix(`syncing: @bob:hs1's /sync did not show "invited to !r:hs1": gave up after`))
	g.Expect(strings.Count(got[0], "\n  since")).To(BeNumerically(">=", 1))
}

func TestMustPassesSilently(t *testing.T) {
	g := NewWithT(t)
	rec, failures := recordingGomega()
	f := newFake(t, answerWith(200, `{"room_id":"!new:hs1"}`))
	g.Expect(New(f.URL).WithGomega(rec).MustCreateRoom(context.Background())).To(Equal("!new:hs1"))
	g.Expect(failures()).To(BeEmpty())
}

package csapi

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
)

func TestMustMembershipReadsTheMemberEvent(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	rec, failures := recordingGomega()

	joined := newFake(t, answerWith(200, `{"membership":"join"}`))
	g.Expect(New(joined.URL).WithGomega(rec).MustMembership(ctx, "!r:hs1", "@b:hs1")).To(Equal("join"))
	g.Expect(joined.last().Path).To(Equal("/_matrix/client/v3/rooms/!r:hs1/state/m.room.member/@b:hs1"))

	none := newFake(t, answerWith(404, `{"errcode":"M_NOT_FOUND","error":"no member event"}`))
	g.Expect(New(none.URL).WithGomega(rec).MustMembership(ctx, "!r:hs1", "@b:hs1")).To(BeEmpty())
	g.Expect(failures()).To(BeEmpty(), "200 and 404 are answers the read expects")

	refused := newFake(t, answerWith(403, `{"errcode":"M_FORBIDDEN","error":"not in the room"}`))
	alice := New(refused.URL).WithSession(Session{UserID: "@alice:hs1", AccessToken: "tok"}).WithGomega(rec)
	g.Expect(alice.MustMembership(ctx, "!r:hs1", "@b:hs1")).To(BeEmpty())
	g.Expect(failures()).To(HaveLen(1))
	g.Expect(failures()[0]).To(HavePrefix("@alice:hs1 reading the member event of @b:hs1 in !r:hs1:\n"))
}

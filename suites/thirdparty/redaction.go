package thirdparty

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/matrix"
)

var _ = Describe("Redacting a third-party invite membership", func() {
	// The invite is made the way the spec describes: the invitee's server
	// (the mock) exchanges the third-party invite, and the homeserver
	// issues it in its own room. Its inviter then redacts it.
	redactRule := conformance.NewRule("3PID-REDACT", conformance.MUST, area, redactionRule,
		"redacts an m.room.member invite carrying third_party_invite as the room version says: content keeps membership only before v11, and membership plus third_party_invite.signed from v11")
	conformance.ForEachRoomVersion(redactRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		in := newInbound(ctx, rv)
		res := in.exchange(ctx, in.room, in.valid())
		Expect(problems(in.remote)).To(BeEmpty(), "what the homeserver sent the invitee's server (the mock) while exchanging, to have an invite to redact (3PID-EXCHANGE fails too):\n%v", res)
		Expect(res.StatusCode).To(Equal(http.StatusOK), "exchanging a valid third-party invite, to have an invite to redact (3PID-EXCHANGE fails too):\n%v", res)
		invites := in.remote.ReceivedInvites()
		Expect(invites).NotTo(BeEmpty(), "the homeserver sent no invite for the exchange (3PID-EXCHANGE fails too)")
		invite := invites[0].Event
		Eventually(ctx, func() string { return membershipOf(ctx, in.alice, in.room, in.carol) }).WithTimeout(bed.Config().Timeouts.Sync).
			Should(Equal("invite"), "%s's membership after the exchange", in.carol)

		res2, err := in.alice.Do(ctx, http.MethodPut, csapi.ClientPath("rooms", in.room, "redact", invite.ID, unique("txn")), csapi.JSONBody(map[string]any{}))
		Expect(err).NotTo(HaveOccurred())
		Expect(res2.StatusCode).To(Equal(http.StatusOK), "%s redacting the invite %s:\n%s", in.alice.UserID, invite.ID, res2.Dump())

		Eventually(ctx, func() []string {
			res, err := in.alice.Do(ctx, http.MethodGet, csapi.ClientPath("rooms", in.room, "event", invite.ID))
			if err != nil {
				return []string{err.Error()}
			}
			if res.StatusCode != http.StatusOK {
				return []string{"GET /rooms/{roomId}/event/{eventId} answered " + res.Dump()}
			}
			ev, err := matrix.ParseObject(res.Body)
			if err != nil {
				return []string{err.Error()}
			}
			content, _ := ev.GetObject("content")
			return redactionProblems(rv, invite.Fields, content)
		}).WithTimeout(bed.Config().Timeouts.Sync).Should(BeEmpty(), "the invite %s after its redaction", invite.ID)
		Expect(problems(in.remote)).To(BeEmpty(), "what the homeserver sent the mock")
	})
})

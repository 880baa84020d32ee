package outbound

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// v2Refusal is one way an invited server that does not know the v2 API
// answers it: the answers of older servers and proxies.
type v2Refusal struct {
	id     string // in rule IDs
	what   string // in rule texts
	answer federation.Handler
}

var v2Refusals = []v2Refusal{
	{"404", `404 with errcode M_UNRECOGNIZED`, federation.Status(http.StatusNotFound, "M_UNRECOGNIZED")},
	{"404-EMPTY", "404 with an empty body", federation.Raw(http.StatusNotFound, nil)},
	{"400", `400 with errcode M_UNRECOGNIZED`, federation.Status(http.StatusBadRequest, "M_UNRECOGNIZED")},
	{"400-PLAIN", "400 with a plain-text body and no errcode", federation.Raw(http.StatusBadRequest, []byte("400 Bad Request"), "Content-Type", "text/plain")},
}

// secFallback is the sentence the fallback rules rest on.
const secFallback = secV2 + ` ("Senders which receive a 400 or 404 response to this endpoint should retry using the v1 API as the server may be older, if the room version is "1" or "2"")`

var _ = Describe("Outbound invite: falling back to the v1 API", func() {
	for _, refusal := range v2Refusals {
		retryRule := conformance.NewRule("FALLBACK-RETRY-"+refusal.id, conformance.SHOULD, areaFallback, secFallback,
			"retries an invite to a room of version 1 or 2 on the v1 API after the v2 API answers "+refusal.what)
		conformance.ForEachRoomVersion(retryRule, func(ctx SpecContext, rv matrix.RoomVersion) {
			iv := inviteRemote(ctx, rv, federation.Answer(federation.InviteV2, refusal.answer))
			Expect(iv.remote.Journal.Requests()).To(federation.ContainInOrder(federation.RequestTo(federation.InviteV2), federation.RequestTo(federation.InviteV1)),
				"the mock answered the v2 invite with %s.%s", refusal.what, iv.explain())
		}, versions(1, 2)...)

		noV1Rule := conformance.NewRule("FALLBACK-NO-V1-"+refusal.id, conformance.MUST, areaFallback,
			secBoth+` (v2: retry on v1 only "if the room version is "1" or "2""; v1: "Servers which receive a v1 invite request must assume that the room version is either "1" or "2"")`,
			"never retries an invite to a room of version 3 or later on the v1 API, also after the v2 API answers "+refusal.what)
		conformance.ForEachRoomVersion(noV1Rule, func(ctx SpecContext, rv matrix.RoomVersion) {
			// A v1 request is answered 403, so a wrong fallback cannot
			// complete the invite either: it only shows in the journal.
			iv := inviteRemote(ctx, rv, federation.Answer(federation.InviteV2, refusal.answer),
				federation.Answer(federation.InviteV1, federation.Status(http.StatusForbidden, "M_FORBIDDEN")))
			iv.firstTo(federation.InviteV2)
			Expect(iv.attemptsTo(federation.InviteV1)).To(BeEmpty(),
				"the homeserver retried on the v1 API, which the invited server would read as a room v1 or v2 event (the mock answered the v2 invite with %s).%s", refusal.what, iv.explain())
		}, versions(3, 12)...)

		failRule := conformance.NewRule("FALLBACK-FAILS-"+refusal.id, conformance.MUST, areaFallback,
			secInviting+` ("a request to that homeserver to have the event signed and verified must be made"); `+secV2,
			"fails the client's invite to a room of version 3 or later when the v2 API answers "+refusal.what+", and leaves no invite in the room state")
		conformance.ForEachRoomVersion(failRule, func(ctx SpecContext, rv matrix.RoomVersion) {
			iv := inviteRemote(ctx, rv, federation.Answer(federation.InviteV2, refusal.answer),
				federation.Answer(federation.InviteV1, federation.Status(http.StatusForbidden, "M_FORBIDDEN")))
			iv.firstTo(federation.InviteV2)
			iv.expectRefused(ctx)
		}, versions(3, 12)...)
	}

	// The v1 request itself, where the homeserver makes one: it is checked
	// after the most common refusal, the one Synapse itself gives for an
	// unknown endpoint.
	unknown := v2Refusals[0]

	bodyRule := conformance.NewRule("FALLBACK-V1-BODY", conformance.MUST, areaFallback,
		secV1+" (request body: the invite event itself, definitions/invite_event.yaml; path parameters roomId and eventId)",
		"sends, when it retries on the v1 API, the invite event itself as the body: an m.room.member invite of the invitee by the inviting user, hashed and signed, with the event ID and room ID the path names")
	conformance.ForEachRoomVersion(bodyRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv, federation.Answer(federation.InviteV2, unknown.answer))
		skipWithoutV1(iv)
		ex := iv.firstTo(federation.InviteV1)
		ev := iv.requestBody(ex)
		Expect(ev).NotTo(HaveKey("room_version"), "the v1 body is the event itself, not the v2 wrapper.%s", iv.explain())
		Expect(ev["type"]).To(Equal("m.room.member"), "type of the v1 invite body.%s", iv.explain())
		Expect(ev["content"]).To(HaveKeyWithValue("membership", "invite"), "content of the v1 invite body.%s", iv.explain())
		Expect(ev["sender"]).To(Equal(iv.alice.UserID), "sender of the v1 invite body.%s", iv.explain())
		Expect(ev["state_key"]).To(Equal(iv.carol), "state_key of the v1 invite body.%s", iv.explain())
		Expect(ev["room_id"]).To(Equal(iv.room), "room_id of the v1 invite body.%s", iv.explain())
		roomID, eventID, err := pathIDs(ex)
		Expect(err).NotTo(HaveOccurred(), "the v1 request's path.%s", iv.explain())
		Expect(roomID).To(Equal(iv.room), "the room ID in the v1 request's path.%s", iv.explain())
		Expect(ev).To(match.HaveEventID(rv, eventID), "the event ID in the v1 request's path.%s", iv.explain())
		Expect(ev).To(match.HaveValidContentHash(rv), "the content hash of the v1 invite body.%s", iv.explain())
		Expect(ev).To(match.BeSignedBy(bed.Homeserver().ServerName, homeserverKeys(ctx, iv.remote), rv), "%s", iv.explain())
	}, versions(1, 2)...)

	v1StateRule := conformance.NewRule("FALLBACK-V1-STATE", conformance.MUST, areaFallback,
		secV1+` (unsigned.invite_room_state, v1.16: "MUST contain the m.room.create event for the room")`,
		"sends, when it retries on the v1 API, unsigned.invite_room_state holding the room's m.room.create event")
	conformance.ForEachRoomVersion(v1StateRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv, federation.Answer(federation.InviteV2, unknown.answer))
		skipWithoutV1(iv)
		ev := iv.requestBody(iv.firstTo(federation.InviteV1))
		unsigned, _ := ev.GetObject("unsigned")
		state, _ := unsigned.GetArray("invite_room_state")
		Expect(state).To(match.OutboundHoldStateEvent("m.room.create", ""), "unsigned.invite_room_state of the v1 invite body.%s", iv.explain())
	}, versions(1, 2)...)

	answerRule := conformance.NewRule("FALLBACK-V1-ANSWER", conformance.MUST, areaFallback,
		secV1+" (200: the array [200, {\"event\": …}]); "+secClient+" (200)",
		"reads the v1 API's [200, {\"event\": …}] answer when it retries there: the client's invite succeeds and the invite is in the room state")
	conformance.ForEachRoomVersion(answerRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv, federation.Answer(federation.InviteV2, unknown.answer))
		skipWithoutV1(iv)
		Expect(iv.firstTo(federation.InviteV1).Status).To(Equal(http.StatusOK), "the mock did not countersign the v1 invite (see its checks).%s", iv.explain())
		Expect(iv.res).To(match.HaveStatus(http.StatusOK), "the mock answered the v1 invite [200, {\"event\": …}].%s", iv.explain())
		ev, ok := iv.carolState(ctx)
		Expect(ok).To(BeTrue(), "the room state has no member event of %s after the invite.%s", iv.carol, iv.explain())
		Expect(ev.Membership()).To(Equal("invite"), "%s's membership in the room state: %s.%s", iv.carol, ev, iv.explain())
	}, versions(1, 2)...)
})

// skipWithoutV1 skips a spec about the v1 retry when the homeserver made
// none (FALLBACK-RETRY-404 reports that).
func skipWithoutV1(iv *invitation) {
	GinkgoHelper()
	if len(iv.attemptsTo(federation.InviteV1)) == 0 {
		Skip("the homeserver did not retry on the v1 API after the v2 API answered 404 M_UNRECOGNIZED (FALLBACK-RETRY-404 reports that), so there is no v1 request to check")
	}
}

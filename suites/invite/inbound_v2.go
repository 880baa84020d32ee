package invite

import (
	"herald/harness/suite"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	fed "herald/harness/federation"
	"herald/harness/match"
	"herald/harness/spec"
)

// unknownRoomVersion is a room version no server knows.
const unknownRoomVersion = "herald-unknown-1"

// Inbound invites over the v2 API: the mock's user alice invites bob, a
// user of the homeserver under test, to a room the mock hosts.
var _ = Describe("Inbound invites over the v2 API", func() {
	conformance.ForEachRoomVersion(inboundRule("INV2-OK", conformance.MUST, areaInviteV2, secInviteV2,
		`answers a valid v2 invite for a local user with 200 and {"event": …}, and refuses one for a room version it does not offer with 400`),
		func(ctx SpecContext, rv spec.RoomVersion) {
			s := newInboundScene(ctx, rv, nil)
			res := s.sendV2(ctx, s.invite())
			if !suite.OffersRoomVersion(ctx, rv.ID) {
				Expect(res).To(match.BeRefusedWith(http.StatusBadRequest), "an invite to a room version the server does not offer")
				return
			}
			Expect(res).To(match.HaveStatus(http.StatusOK))
			Expect(res).To(match.HaveEventBody())
		})

	conformance.ForEachRoomVersion(inboundRule("INV2-UNTOUCHED", conformance.SHOULD, areaInviteV2, secInviteV2,
		"returns the v2 invite with its signature added and every other field untouched"),
		func(ctx SpecContext, rv spec.RoomVersion) { checkUntouched(ctx, rv, false) })

	conformance.ForEachRoomVersion(inboundRule("INV2-SIGNED", conformance.MUST, areaInviteV2, secInviteV2,
		"returns the v2 invite with the same event ID, hashes and signed content, signed with a key it publishes"),
		func(ctx SpecContext, rv spec.RoomVersion) { checkSigned(ctx, rv, false) })

	conformance.ForEachRoomVersion(inboundRule("INV2-SYNC", conformance.MUST, areaInviteV2, secSync,
		"shows an invite received over the v2 API to the invitee under rooms.invite in /sync"),
		func(ctx SpecContext, rv spec.RoomVersion) { checkSyncShowsInvite(ctx, rv, false) })

	conformance.ForEachRoomVersion(inboundRule("INV2-SYNC-STATE", conformance.SHOULD, areaInviteV2, secSync,
		"gives the invitee the invite_room_state of a v2 invite as stripped state in /sync"),
		func(ctx SpecContext, rv spec.RoomVersion) { checkSyncShowsState(ctx, rv, false) })

	conformance.ForEachRoomVersion(inboundRule("INV2-ACCEPT", conformance.MUST, areaInviteV2, secJoin,
		"lets the invitee accept a v2 invite to an invite-only room by joining through make_join and send_join on the inviting server"),
		func(ctx SpecContext, rv spec.RoomVersion) { checkAccept(ctx, rv, false) })

	conformance.ForEachRoomVersion(inboundRule("INV2-REJECT", conformance.MUST, areaInviteV2, secReject,
		"lets the invitee reject a v2 invite through make_leave and send_leave on the inviting server"),
		func(ctx SpecContext, rv spec.RoomVersion) { checkReject(ctx, rv, false) })

	conformance.It(inboundRule("INV2-UNKNOWN-VERSION", conformance.MUST, areaInviteV2, secInviteV2,
		`refuses a v2 invite naming a room version it does not know ("`+unknownRoomVersion+`") with 400`),
		func(ctx SpecContext) {
			res := sendUnknownVersion(ctx)
			Expect(res).To(match.BeRefusedWith(http.StatusBadRequest))
		})

	conformance.It(inboundRule("INV2-UNKNOWN-VERSION-CODE", conformance.SHOULD, areaInviteV2, secInviteV2,
		"refuses a v2 invite for an unknown room version with M_INCOMPATIBLE_ROOM_VERSION and the room_version it names"),
		func(ctx SpecContext) {
			res := sendUnknownVersion(ctx)
			Expect(res).To(match.HaveErrcode("M_INCOMPATIBLE_ROOM_VERSION"))
			body, err := res.Object()
			Expect(err).NotTo(HaveOccurred())
			Expect(body).To(HaveKeyWithValue("room_version", unknownRoomVersion),
				"room_version is required with M_INCOMPATIBLE_ROOM_VERSION (invites-v2.yaml, 400)")
		})

	conformance.It(inboundRule("INV2-NO-DESTINATION", conformance.SHOULD, areaInviteV2, secRequestAuth,
		"accepts a v2 invite whose X-Matrix header has no destination parameter, for compatibility with older servers"),
		func(ctx SpecContext) {
			s := newEverydayScene(ctx, nil)
			res := s.sendV2(ctx, s.invite(), fed.OmitDestination())
			Expect(res).To(match.HaveStatus(http.StatusOK),
				"recipients should accept requests without destination (the signature still covers the receiver's name)")
		})
})

// sendUnknownVersion sends a well-formed invite whose body names an
// unknown room version.
func sendUnknownVersion(ctx SpecContext) *fed.Response {
	GinkgoHelper()
	s := newEverydayScene(ctx, nil)
	return s.sendV2(ctx, s.invite(), fed.ModifyBody(func(body spec.Object) { body["room_version"] = unknownRoomVersion }))
}

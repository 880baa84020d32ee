package invite

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/match"
	"herald/harness/matrix"
)

// Inbound invites over the v1 API, for rooms v1 and v2.
var _ = Describe("Inbound invites over the v1 API", func() {
	conformance.ForEachRoomVersion(conformance.NewRule("INV1-OK", conformance.MUST, areaInviteV1, secInviteV1,
		`answers a valid v1 invite for a local user with 200 and exactly [200, {"event": …}]`),
		func(ctx SpecContext, rv matrix.RoomVersion) {
			s := newInboundScene(ctx, rv, nil)
			bed.RequireRoomVersion(ctx, rv)
			res := s.sendV1(ctx, s.invite())
			Expect(res).To(match.HaveStatus(http.StatusOK))
			Expect(res).To(match.HaveV1EventBody())
		}, v1Versions...)

	conformance.ForEachRoomVersion(conformance.NewRule("INV1-UNTOUCHED", conformance.SHOULD, areaInviteV1, secInviteV1+` (200: "All other fields of the events should remain untouched")`,
		"returns the v1 invite with its signature added and every other field but unsigned (INV1-UNSIGNED) untouched"),
		func(ctx SpecContext, rv matrix.RoomVersion) { checkUntouched(ctx, rv, true) }, v1Versions...)

	conformance.ForEachRoomVersion(conformance.NewRule("INV1-UNSIGNED", conformance.SHOULD, areaInviteV1, secInviteV1+` (200: "All other fields of the events should remain untouched"); invites-v2.yaml 200 example (unsigned.invite_room_state returned)`,
		"returns the v1 invite's unsigned untouched: the unsigned.invite_room_state it was sent comes back, each entry whole or stripped, and nothing is added"),
		func(ctx SpecContext, rv matrix.RoomVersion) { checkUnsigned(ctx, rv, true) }, v1Versions...)

	conformance.ForEachRoomVersion(conformance.NewRule("INV1-SIGNED", conformance.MUST, areaInviteV1, secInviteV1,
		"returns the v1 invite with the same event ID, hashes and signed content, signed with a key it publishes"),
		func(ctx SpecContext, rv matrix.RoomVersion) { checkSigned(ctx, rv, true) }, v1Versions...)

	conformance.ForEachRoomVersion(conformance.NewRule("INV1-SYNC", conformance.MUST, areaInviteV1, secSync,
		"shows an invite received over the v1 API to the invitee under rooms.invite in /sync"),
		func(ctx SpecContext, rv matrix.RoomVersion) { checkSyncShowsInvite(ctx, rv, true) }, v1Versions...)

	conformance.ForEachRoomVersion(conformance.NewRule("INV1-SYNC-STATE", conformance.SHOULD, areaInviteV1, secSync,
		"gives the invitee the unsigned.invite_room_state of a v1 invite as stripped state in /sync"),
		func(ctx SpecContext, rv matrix.RoomVersion) { checkSyncShowsState(ctx, rv, true) }, v1Versions...)

	conformance.ForEachRoomVersion(conformance.NewRule("INV1-ACCEPT", conformance.MUST, areaInviteV1, secJoin,
		"lets the invitee accept a v1 invite to an invite-only room by joining through make_join and send_join on the inviting server"),
		func(ctx SpecContext, rv matrix.RoomVersion) { checkAccept(ctx, rv, true) }, v1Versions...)

	conformance.ForEachRoomVersion(conformance.NewRule("INV1-REJECT", conformance.MUST, areaInviteV1, secReject,
		"lets the invitee reject a v1 invite through make_leave and send_leave on the inviting server"),
		func(ctx SpecContext, rv matrix.RoomVersion) { checkReject(ctx, rv, true) }, v1Versions...)
})

package invite

import (
	"encoding/json"
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
			_, _, res := validInvite(ctx, rv, true)
			Expect(res).To(match.HaveV1EventBody())
		}, v1Versions...)

	// INV1-UNTOUCHED … INV1-REJECT: the checks the v2 API shares.
	sharedRules(true, v1Versions...)
})

// secAssumeV1 is the receiver's side of the v1 invite API.
const secAssumeV1 = secInviteV1 + " (\"Servers which receive a v1 invite request must assume that the room version is either 1 or 2\")"

// The room version a receiver of a v1 invite must assume shows in what it
// accepts: an event in a later version's format is no v1 or v2 event, and
// numbers that later versions refuse are allowed in versions 1 and 2.
var _ = Describe("Inbound v1 invites are taken as room version 1 or 2", func() {
	conformance.ForEachRoomVersion(conformance.NewRule("INV1-ASSUME-V1-V2-FORMAT", conformance.MUST, areaInviteV1, secAssumeV1+"; rooms/v1.md, v2.md §Event format (event_id is required)",
		"refuses a v1 invite whose event is in the format of a later room version (no event_id, its ID the reference hash): taken, as it must be, as a room version 1 or 2 event, it lacks event_id"),
		func(ctx SpecContext, rv matrix.RoomVersion) {
			s := newInboundScene(ctx, rv, nil)
			// The version's own invites must be taken, for the guard.
			bed.RequireRoomVersion(ctx, rv)
			ev := s.invite()
			Expect(ev.Fields).NotTo(HaveKey("event_id"), "the invite of a v%s room has no event_id", rv.ID)
			res := s.sendV1(ctx, ev)
			s.guardAfterRefusal(ctx, res, s.room.ID)
			Expect(res).To(match.BeRefusedWith(refusal()...),
				"a v1 invite of %s carrying an event in room version %s's format (event ID %s only in the path)", s.bob.UserID, rv.ID, ev.ID)
		}, laterFormats()...)

	conformance.ForEachRoomVersion(conformance.NewRule("INV1-ASSUME-V1-V2-LAX-JSON", conformance.MUST, areaInviteV1, secAssumeV1+"; rooms/fragments/v1-canonical-json.md (\"Servers MUST NOT strictly enforce the JSON format\")",
		"accepts a v1 invite whose content holds a float and an integer outside ±(2^53−1), as room versions 1 and 2 require, whatever room version it would otherwise assume"),
		func(ctx SpecContext, rv matrix.RoomVersion) {
			s := newInboundScene(ctx, rv, nil)
			bed.RequireRoomVersion(ctx, rv)
			ev := forgedBy(s.remote.WithLaxContent(s.invite(), map[string]any{"herald_float": json.Number("1.5"), "herald_big": json.Number("9007199254740992")}))
			res := s.sendV1(ctx, ev)
			Expect(res).To(match.HaveStatus(http.StatusOK), "a v1 invite holding a float and a big integer, in a v%s room", rv.ID)
			Expect(res).To(match.HaveV1EventBody())
		}, v1Versions...)
})

// laterFormats are the room versions whose events have no event_id (3 and
// later): the formats a receiver of a v1 invite must not take.
func laterFormats() []matrix.RoomVersion {
	var out []matrix.RoomVersion
	for _, rv := range matrix.KnownVersions() {
		if rv.EventIDFormat != matrix.EventIDOpaque {
			out = append(out, rv)
		}
	}
	return out
}

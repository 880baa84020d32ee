package invite

import (
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// unknownRoomVersion is a room version no server knows.
const unknownRoomVersion = "herald-unknown-1"

// Inbound invites over the v2 API: the mock's user alice invites bob, a
// user of the homeserver under test, to a room the mock hosts.
var _ = Describe("Inbound invites over the v2 API", func() {
	conformance.ForEachRoomVersion(conformance.NewRule("INV2-OK", conformance.MUST, areaInviteV2, secInviteV2,
		`answers a valid v2 invite for a local user with 200 and {"event": …}, and refuses one for a room version it does not offer with 400`),
		func(ctx SpecContext, rv matrix.RoomVersion) {
			s := newInboundScene(ctx, rv, nil)
			res := s.sendV2(ctx, s.invite())
			if !bed.OffersRoomVersion(ctx, rv.ID) {
				Expect(res).To(match.BeRefusedWith(http.StatusBadRequest), "an invite to a room version the server does not offer")
				return
			}
			Expect(res).To(match.HaveStatus(http.StatusOK))
			Expect(res).To(match.HaveEventBody())
		})

	// INV2-UNTOUCHED … INV2-REJECT: the checks the v1 API shares.
	sharedRules(false)

	conformance.It(conformance.NewRule("INV2-UNKNOWN-VERSION", conformance.MUST, areaInviteV2, secInviteV2,
		`refuses a v2 invite naming a room version it does not know ("`+unknownRoomVersion+`") with 400`),
		func(ctx SpecContext) {
			res := sendUnknownVersion(ctx)
			Expect(res).To(match.BeRefusedWith(http.StatusBadRequest))
		})

	conformance.It(conformance.NewRule("INV2-UNKNOWN-VERSION-CODE", conformance.SHOULD, areaInviteV2, secInviteV2+" (400: its example errcode M_INCOMPATIBLE_ROOM_VERSION)",
		"refuses a v2 invite for an unknown room version with the errcode M_INCOMPATIBLE_ROOM_VERSION"),
		func(ctx SpecContext) {
			res := sendUnknownVersion(ctx)
			Expect(res).To(match.HaveErrcode("M_INCOMPATIBLE_ROOM_VERSION"))
		})

	// "Required if the errcode is M_INCOMPATIBLE_ROOM_VERSION": a MUST on
	// the field, which binds only answers that use that errcode.
	versionFieldRule := conformance.NewRule("INV2-UNKNOWN-VERSION-FIELD", conformance.MUST, areaInviteV2,
		secInviteV2+` (400, room_version: "The version of the room. Required if the errcode is M_INCOMPATIBLE_ROOM_VERSION")`,
		"names the invite's room version in room_version whenever it refuses a v2 invite with M_INCOMPATIBLE_ROOM_VERSION")
	conformance.It(versionFieldRule, func(ctx SpecContext) {
		res := sendUnknownVersion(ctx)
		body, err := res.Object()
		Expect(err).NotTo(HaveOccurred(), "the refusal of an invite for room version %q is not a JSON object:\n%v", unknownRoomVersion, res)
		applies, problems := incompatibleVersionProblems(body, unknownRoomVersion)
		if !applies {
			Skip(fmt.Sprintf("the server refused the invite with errcode %q, not M_INCOMPATIBLE_ROOM_VERSION (INV2-UNKNOWN-VERSION-CODE reports that), so room_version is not required", res.Errcode()))
		}
		Expect(problems).To(BeEmpty(), "the refusal of an invite for room version %q:\n%v", unknownRoomVersion, res)
	})

	conformance.It(conformance.NewRule("INV2-NO-DESTINATION", conformance.SHOULD, areaInviteV2, secRequestAuth,
		"accepts a v2 invite whose X-Matrix header has no destination parameter, for compatibility with older servers"),
		func(ctx SpecContext) {
			s := newEverydayScene(ctx, nil)
			res := s.sendV2(ctx, s.invite(), federation.OmitDestination())
			Expect(res).To(match.HaveStatus(http.StatusOK),
				"recipients should accept requests without destination (the signature still covers the receiver's name)")
		})
})

// sendUnknownVersion sends a well-formed invite whose body names an
// unknown room version.
func sendUnknownVersion(ctx SpecContext) *federation.Response {
	GinkgoHelper()
	s := newEverydayScene(ctx, nil)
	return s.sendV2(ctx, s.invite(), federation.ModifyBody(func(body matrix.Object) { body["room_version"] = unknownRoomVersion }))
}

// incompatibleVersionProblems judges a refusal body against the 400 schema
// of invites-v2.yaml: room_version is "Required if the errcode is
// M_INCOMPATIBLE_ROOM_VERSION", and is the version of the room (want).
// applies is false when the body uses another errcode.
func incompatibleVersionProblems(body matrix.Object, want string) (applies bool, problems []string) {
	if code, _ := body.GetString("errcode"); code != "M_INCOMPATIBLE_ROOM_VERSION" {
		return false, nil
	}
	switch v, present := body["room_version"]; {
	case !present:
		problems = append(problems, "errcode M_INCOMPATIBLE_ROOM_VERSION without room_version")
	case v != want:
		problems = append(problems, fmt.Sprintf("room_version is %v, not the invite's room version %q", v, want))
	}
	return true, problems
}

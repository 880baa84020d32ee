package invite

import (
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

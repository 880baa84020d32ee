package blocking

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"herald/harness/conformance"
	"herald/harness/federation"
	"herald/harness/matrix"
)

// inviteAPI is one of the federation invite APIs.
type inviteAPI struct {
	name, yaml string
	versions   []matrix.RoomVersion
	send       func(*remoteScene, context.Context) *federation.Response
}

// inviteBlocker sets the scene in room version rv (skipping the spec unless
// the homeserver offers it), has bob block invites and sends alice's
// invite of him over the API.
func (api inviteAPI) inviteBlocker(ctx context.Context, rv matrix.RoomVersion) (*remoteScene, *federation.Response) {
	GinkgoHelper()
	bed.RequireRoomVersion(ctx, rv)
	s := newRemoteScene(ctx, rv)
	block(ctx, s.Bob)
	return s, api.send(s, ctx)
}

// The invited user's server refuses invites over both federation invite
// APIs. The v2 API carries every room version, and a server may handle
// them apart, so its rules run in each.
var _ = Describe("Invite blocking over federation", func() {
	for _, api := range []inviteAPI{
		{"V1", "invites-v1.yaml", federation.InviteV1Versions(), (*remoteScene).sendV1},
		{"V2", "invites-v2.yaml", matrix.KnownVersions(), (*remoteScene).sendV2},
	} {
		endpoint := "PUT /_matrix/federation/" + map[string]string{"V1": "v1", "V2": "v2"}[api.name] + "/invite"
		section := mustFed + "; " + api.yaml + " 403 (\"M_INVITE_BLOCKED … rejected the invite due to invite blocking\")"

		statusRule := conformance.NewRule("BLOCK-FED-"+api.name, conformance.MUST, area, section,
			"answers "+endpoint+" for a local user whose account data sets m.invite_permission_config default_action block with 403 and a Matrix error body")
		conformance.ForEachRoomVersion(statusRule, func(ctx SpecContext, rv matrix.RoomVersion) {
			s, res := api.inviteBlocker(ctx, rv)
			expectNone(forbidden(res.StatusCode, res.Body), "the "+api.name+" invite of "+s.Bob.UserID+", who blocks invites", res.String())
		}, api.versions...)

		codeRule := conformance.NewRule("BLOCK-FED-"+api.name+"-ERRCODE", conformance.MUST, area, section,
			"gives errcode M_INVITE_BLOCKED when it refuses "+endpoint+" for a local user who blocks invites")
		conformance.ForEachRoomVersion(codeRule, func(ctx SpecContext, rv matrix.RoomVersion) {
			s, res := api.inviteBlocker(ctx, rv)
			expectNone(blockedCode(res.Body), "the "+api.name+" invite of "+s.Bob.UserID+", who blocks invites", res.String())
		}, api.versions...)
	}
})

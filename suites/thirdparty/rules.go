// Package thirdparty checks third-party (email) invites across the client-server, identity-service and federation APIs — inviting by email, exchange_third_party_invite, /3pid/onbind, joins with third_party_signed — with Herald's mock identity server and mock homeserver.
package thirdparty

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"herald/harness/conformance"
	"herald/harness/matrix"
)

// area is the conformance area and label of every rule here.
const area = "third-party"

// Where the spec states the rules, as rule sections cite them.
const (
	moduleServer  = "client-server third_party_invites.md §Server behaviour"
	membership3p  = "client-server third_party_membership.yaml POST /rooms/{roomId}/invite"
	storeInvite   = "identity-service-api.md §Invitation storage (v2_store_invite.yaml)"
	isAuth        = "identity-service-api.md §Authentication"
	exchangeAPI   = "server-server-api.md §Third-party invites (third_party_invite.yaml PUT /exchange_third_party_invite/{roomId})"
	onbindAPI     = "server-server-api.md §Third-party invites (third_party_invite.yaml /3pid/onbind); identity-service-api.md §Invitation storage"
	joiningAPI    = "client-server joining.yaml POST /rooms/{roomId}/join (third_party_signed)"
	joiningAnyAPI = "client-server joining.yaml POST /join/{roomIdOrAlias} (third_party_signed)"
	// pendingMatch is joining.yaml's own words on third_party_signed.
	pendingMatch = "client-server joining.yaml third_party_signed (\"the homeserver must verify that it matches a pending m.room.third_party_invite event in the room\")"
	// thirdPartySignedSchema is where the block's fields are required.
	thirdPartySignedSchema = "client-server definitions/third_party_signed.yaml (required: sender, mxid, token, signatures)"
	authRules              = "rooms/v1.md–v12.md §Authorization rules: m.room.member, membership invite with third_party_invite"
	keyValidity            = moduleServer + " (the server in the room MUST check key_validity_url)"
	redactionRule          = "rooms/v11.md §Redactions (m.room.member keeps third_party_invite.signed); rooms/v1.md–v10.md §Redactions"
)

// refusalSpecs registers the specs of a refusal rule. One the room's auth
// rules decide (its section cites them) runs in the oldest and the newest
// room version: the third-party invite rules read the same in v1–v12, but
// the rooms around them do not. Any other runs once, in the server's
// default version (the zero RoomVersion).
func refusalSpecs(r conformance.Rule, body func(ctx SpecContext, rv matrix.RoomVersion)) {
	if !strings.Contains(r.Section, authRules) {
		conformance.It(r, func(ctx SpecContext) { body(ctx, matrix.RoomVersion{}) })
		return
	}
	conformance.ForEachRoomVersion(r, body, matrix.MustRoomVersion("1"), matrix.MustRoomVersion("12"))
}

package membership

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	. "github.com/onsi/ginkgo/v2"

	"herald/harness/csapi"
)

// unique returns prefix with a random suffix, for aliases and fake IDs.
func unique(prefix string) string {
	b := make([]byte, 5)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// Join rules, as m.room.join_rules content.
func joinRule(rule string) map[string]any { return map[string]any{"join_rule": rule} }

// restrictedTo is a restricted join rule allowing members of room.
func restrictedTo(rule, room string) map[string]any {
	return map[string]any{"join_rule": rule, "allow": []any{
		map[string]any{"type": "m.room_membership", "room_id": room},
	}}
}

// serverDefault asks newRoom for the server's default room version, for
// rules that do not depend on it.
const serverDefault = ""

// newRoom creates a room of the given version (serverDefault: none asked
// for) with the given join rule content — public and invite use the
// matching preset, anything else is set in the initial state of a
// private_chat room — and returns its ID.
func newRoom(ctx context.Context, creator *csapi.Client, version string, rules map[string]any, opts ...csapi.RoomOption) string {
	GinkgoHelper()
	base := []csapi.RoomOption{csapi.Name("Herald membership room")}
	if version != serverDefault {
		base = append(base, csapi.RoomVersion(version))
	}
	switch rules["join_rule"] {
	case "public":
		base = append(base, csapi.Preset(csapi.PresetPublicChat))
	case "invite":
		base = append(base, csapi.Preset(csapi.PresetPrivateChat))
	default:
		base = append(base, csapi.Preset(csapi.PresetPrivateChat), csapi.InitialState("m.room.join_rules", "", rules))
	}
	return creator.MustCreateRoom(ctx, append(base, opts...)...)
}

// step is something alice or bob does in the room before the request a
// spec is about.
type step func(ctx SpecContext, alice, bob *csapi.Client, room string)

// banBob is the step where alice bans bob.
func banBob(ctx SpecContext, alice, bob *csapi.Client, room string) {
	alice.MustBan(ctx, room, bob.UserID)
}

// inviteBob is the step where alice invites bob.
func inviteBob(ctx SpecContext, alice, bob *csapi.Client, room string) {
	alice.MustInvite(ctx, room, bob.UserID)
}

// bobJoins is the step where bob joins.
func bobJoins(ctx SpecContext, _, bob *csapi.Client, room string) {
	bob.MustJoinRoomByID(ctx, room)
}

// bobInvited is the scene of the specs that start from an invite: alice, a
// fresh user, created an invite-only room of the server's default version
// and invited bob, another.
func bobInvited(ctx SpecContext) (alice, bob *csapi.Client, room string) {
	GinkgoHelper()
	alice, bob = bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
	room = newRoom(ctx, alice, serverDefault, joinRule("invite"))
	alice.MustInvite(ctx, room, bob.UserID)
	return alice, bob, room
}

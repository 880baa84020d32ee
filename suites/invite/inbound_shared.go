package invite

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"herald/harness/conformance"
	"herald/harness/matrix"
)

// The rules the v1 and v2 invite APIs share: one check each (see
// inbound_checks.go), with the rule it checks on either API.

// sharedCheck is one check both invite APIs are held to, with the rule it
// checks on each.
type sharedCheck struct {
	v2, v1 conformance.Rule
	check  func(ctx context.Context, rv matrix.RoomVersion, v1 bool)
}

var sharedChecks = []sharedCheck{
	{
		v2: conformance.NewRule("INV2-UNTOUCHED", conformance.SHOULD, areaInviteV2, secInviteV2+` (200: "All other fields of the events should remain untouched")`,
			"returns the v2 invite with its signature added and every other field but unsigned (INV2-UNSIGNED) untouched"),
		v1: conformance.NewRule("INV1-UNTOUCHED", conformance.SHOULD, areaInviteV1, secInviteV1+` (200: "All other fields of the events should remain untouched")`,
			"returns the v1 invite with its signature added and every other field but unsigned (INV1-UNSIGNED) untouched"),
		check: checkUntouched,
	},
	{
		v2: conformance.NewRule("INV2-UNSIGNED", conformance.SHOULD, areaInviteV2, secInviteV2+` (200: "All other fields of the events should remain untouched"; the seed's 200 example returns the event with unsigned.invite_room_state added, holding the request's invite_room_state)`,
			"returns the v2 invite's unsigned untouched, except that it may add invite_room_state holding the request's invite_room_state (each entry whole or stripped)"),
		v1: conformance.NewRule("INV1-UNSIGNED", conformance.SHOULD, areaInviteV1, secInviteV1+` (200: "All other fields of the events should remain untouched"); invites-v2.yaml 200 example (unsigned.invite_room_state returned)`,
			"returns the v1 invite's unsigned untouched: the unsigned.invite_room_state it was sent comes back, each entry whole or stripped, and nothing is added"),
		check: checkUnsigned,
	},
	{
		v2: conformance.NewRule("INV2-SIGNED", conformance.MUST, areaInviteV2, secInviteV2,
			"returns the v2 invite with the same event ID, hashes and signed content, signed with a key it publishes"),
		v1: conformance.NewRule("INV1-SIGNED", conformance.MUST, areaInviteV1, secInviteV1,
			"returns the v1 invite with the same event ID, hashes and signed content, signed with a key it publishes"),
		check: checkSigned,
	},
	{
		v2: conformance.NewRule("INV2-SYNC", conformance.MUST, areaInviteV2, secSync,
			"shows an invite received over the v2 API to the invitee under rooms.invite in /sync"),
		v1: conformance.NewRule("INV1-SYNC", conformance.MUST, areaInviteV1, secSync,
			"shows an invite received over the v1 API to the invitee under rooms.invite in /sync"),
		check: checkSyncShowsInvite,
	},
	{
		v2: conformance.NewRule("INV2-SYNC-STATE", conformance.SHOULD, areaInviteV2, secSync,
			"gives the invitee the invite_room_state of a v2 invite as stripped state in /sync"),
		v1: conformance.NewRule("INV1-SYNC-STATE", conformance.SHOULD, areaInviteV1, secSync,
			"gives the invitee the unsigned.invite_room_state of a v1 invite as stripped state in /sync"),
		check: checkSyncShowsState,
	},
	{
		// "can only have" admits no other key: a MUST, and since v1.16 the
		// spec says outright that full events received over federation
		// "cannot" be passed through (servers "are expected to prune" them).
		// The mock sends full PDUs, as v1.16 requires of it.
		v2: conformance.NewRule("INV2-SYNC-STATE-KEYS", conformance.MUST, areaInviteV2, secStrippedKeys,
			"gives the invitee the invite_room_state of a v2 invite (full PDUs) pruned to stripped state in /sync: every invite_state event but the invitee's own m.room.member carries only type, state_key, sender and content"),
		v1: conformance.NewRule("INV1-SYNC-STATE-KEYS", conformance.MUST, areaInviteV1, secStrippedKeys,
			"gives the invitee the unsigned.invite_room_state of a v1 invite (full PDUs) pruned to stripped state in /sync: every invite_state event but the invitee's own m.room.member carries only type, state_key, sender and content"),
		check: checkSyncStateKeys,
	},
	{
		v2: conformance.NewRule("INV2-ACCEPT", conformance.MUST, areaInviteV2, secJoin,
			"lets the invitee accept a v2 invite to an invite-only room by joining through make_join and send_join on the inviting server"),
		v1: conformance.NewRule("INV1-ACCEPT", conformance.MUST, areaInviteV1, secJoin,
			"lets the invitee accept a v1 invite to an invite-only room by joining through make_join and send_join on the inviting server"),
		check: checkAccept,
	},
	{
		v2: conformance.NewRule("INV2-REJECT", conformance.MUST, areaInviteV2, secReject,
			"lets the invitee reject a v2 invite through make_leave and send_leave on the inviting server"),
		v1: conformance.NewRule("INV1-REJECT", conformance.MUST, areaInviteV1, secReject,
			"lets the invitee reject a v1 invite through make_leave and send_leave on the inviting server"),
		check: checkReject,
	},
}

// sharedRules registers the shared checks' rules of the v1 API (v1 set)
// or the v2 API, in versions (every known one when none is given).
func sharedRules(v1 bool, versions ...matrix.RoomVersion) {
	for _, c := range sharedChecks {
		r := c.v2
		if v1 {
			r = c.v1
		}
		conformance.ForEachRoomVersion(r, func(ctx SpecContext, rv matrix.RoomVersion) { c.check(ctx, rv, v1) }, versions...)
	}
}

package invite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	fed "herald/harness/federation"
	"herald/harness/match"
	"herald/harness/spec"
	"herald/harness/suite"
)

// secInviteState is where v1.16 (MSC4311) sets the invite_room_state
// validation: MAY in room versions 1–11 (where servers SHOULD warn rather
// than refuse while migrating), SHOULD in later ones.
const secInviteState = "server-server-api.md §Inviting to a room (v1.16 note; invites-v2.yaml invite_room_state validation)"

// badState is one invite_room_state the validation refuses.
type badState struct {
	id, what string
	state    func(room *fed.Room) []any
}

var badStates = []badState{
	{"STATE-CREATE", "an invite whose invite_room_state lacks the m.room.create event", func(room *fed.Room) []any {
		var out []any
		for _, ev := range room.InviteRoomState() {
			if ev.Type() != "m.room.create" {
				out = append(out, map[string]any(ev.Fields))
			}
		}
		return out
	}},
	{"STATE-FORMAT", "an invite whose invite_room_state holds stripped state instead of events in the room version's format", func(room *fed.Room) []any {
		var out []any
		for _, o := range room.StrippedState() {
			out = append(out, map[string]any(o))
		}
		return out
	}},
}

// inviteStateRules registers the invite_room_state validation: a SHOULD
// for room version 12, a MAY (reported, never failed) for 1–11.
func inviteStateRules() {
	known := spec.KnownVersions()
	legacy, current := known[:11], known[11:]
	for _, b := range badStates {
		body := func(ctx SpecContext, rv spec.RoomVersion) {
			s := newInboundScene(ctx, rv, nil)
			suite.RequireRoomVersion(ctx, rv)
			ev := s.invite()
			req := v2Body(s.room, ev)
			req["invite_room_state"] = b.state(s.room)
			res := putInvite(ctx, s.remote, "v2", s.room.ID, ev.ID, req)
			Expect(res).To(match.BeRefusedWith(refusal()...), "%s (room v%s)", b.what, rv.ID)
		}
		conformance.ForEachRoomVersion(inboundRule("INVERR-"+b.id, conformance.SHOULD, areaErrors, secInviteState,
			"refuses "+b.what+" in room versions after 11"), body, current...)
		conformance.ForEachRoomVersion(inboundRule("INVERR-"+b.id+"-LEGACY", conformance.MAY, areaErrors, secInviteState,
			"refuses "+b.what+" in room versions 1–11"), body, legacy...)
	}
}

package invite

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// secInviteState is where v1.16 (MSC4311) sets the invite_room_state
// validation: MAY in room versions 1–11 (where servers SHOULD warn rather
// than refuse while migrating), SHOULD in later ones.
const secInviteState = "server-server-api.md §Inviting to a room (v1.16 note; invites-v2.yaml invite_room_state validation)"

// badState is one invite_room_state the validation refuses, built for
// the scene's room.
type badState struct {
	id, what string
	state    func(s *inboundScene) []any
}

var badStates = []badState{
	{"STATE-CREATE", "an invite whose invite_room_state lacks the m.room.create event", func(s *inboundScene) []any {
		return stateExcept(s.room, "m.room.create", nil)
	}},
	{"STATE-FORMAT", "an invite whose invite_room_state holds stripped state instead of events in the room version's format", func(s *inboundScene) []any {
		var out []any
		for _, o := range s.room.StrippedState() {
			out = append(out, map[string]any(o))
		}
		return out
	}},
	{"STATE-SIGNATURE", "an invite whose invite_room_state holds an event (m.room.join_rules) whose signature does not verify", func(s *inboundScene) []any {
		return stateExcept(s.room, "m.room.join_rules", forgedBy(s.remote.WithCorruptSignature(s.room.StateEvent("m.room.join_rules", ""))))
	}},
	{"STATE-ROOM", "an invite whose invite_room_state holds an event (m.room.join_rules) of another room", func(s *inboundScene) []any {
		other := s.remote.CreateRoom(s.rv, s.alice, federation.RoomName("another room"))
		return stateExcept(s.room, "m.room.join_rules", other.StateEvent("m.room.join_rules", ""))
	}},
	// Each field invites-v2.yaml requires of an entry, missing in turn.
	stateWithout("type"), stateWithout("state_key"), stateWithout("sender"), stateWithout("content"),
}

// stateWithout is the invite_room_state whose m.room.join_rules lacks
// field, hashed and signed again by the mock as it is sent: only the
// missing field is wrong with it.
func stateWithout(field string) badState {
	return badState{"STATE-NO-" + strings.ToUpper(strings.ReplaceAll(field, "_", "-")),
		"an invite whose invite_room_state holds an event (m.room.join_rules, hashed and signed as sent) without " + field + ", which every entry requires",
		func(s *inboundScene) []any {
			ev, err := s.remote.Without(s.room.StateEvent("m.room.join_rules", ""), field)
			Expect(err).NotTo(HaveOccurred())
			return stateExcept(s.room, "m.room.join_rules", ev)
		}}
}

// stateExcept is room's invite_room_state with the event of eventType
// left out, or replaced by instead.
func stateExcept(room *federation.Room, eventType string, instead *federation.Event) []any {
	var out []any
	for _, ev := range room.InviteRoomState() {
		switch {
		case ev.Type() != eventType:
			out = append(out, map[string]any(ev.Fields))
		case instead != nil:
			out = append(out, map[string]any(instead.Fields))
		}
	}
	return out
}

// inviteStateRules registers the invite_room_state validation: a SHOULD
// for room version 12, a MAY (reported, never failed) for 1–11.
func inviteStateRules() {
	known := matrix.KnownVersions()
	legacy, current := known[:11], known[11:]
	for _, b := range badStates {
		body := func(ctx SpecContext, rv matrix.RoomVersion) {
			s := newInboundScene(ctx, rv, nil)
			bed.RequireRoomVersion(ctx, rv)
			ev := s.invite()
			req := v2Body(s.room, ev)
			req["invite_room_state"] = b.state(s)
			res := putInvite(ctx, s.remote, "v2", s.room.ID, ev.ID, req)
			Expect(res).To(match.BeRefusedWith(refusal()...), "%s (room v%s)", b.what, rv.ID)
		}
		conformance.ForEachRoomVersion(conformance.NewRule("INVERR-"+b.id, conformance.SHOULD, areaErrors, secInviteState,
			"refuses "+b.what+" in room versions after 11"), body, current...)
		conformance.ForEachRoomVersion(conformance.NewRule("INVERR-"+b.id+"-LEGACY", conformance.MAY, areaErrors, secInviteState,
			"refuses "+b.what+" in room versions 1–11"), body, legacy...)
	}
}

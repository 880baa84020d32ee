package federation

import (
	"net/http"
	"slices"
	"testing"

	"herald/harness/matrix"
)

// refs lists events as auth_events or prev_events list them.
func refs(t *testing.T, evs ...*Event) []any {
	t.Helper()
	out := []any{}
	for _, ev := range evs {
		r, err := ev.ref()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// inviteWith builds sender's invite of target in room with extra fields
// replacing the ones the room would fill in, signed and hashed as the
// mock signs.
func inviteWith(t *testing.T, room *Room, sender, target string, extra map[string]any) *Event {
	t.Helper()
	ev, err := room.NewEvent(ProtoEvent{Type: "m.room.member", StateKey: StateKey(target), Sender: sender,
		Content: map[string]any{"membership": "invite"}, Extra: extra})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestScriptedInviteAnswersStillCheckTheInvite: when a spec scripts the
// answer to an invite (a refusal, a 404 for the v1 fallback), the invite
// the homeserver sent is verified all the same.
func TestScriptedInviteAnswersStillCheckTheInvite(t *testing.T) {
	rv := matrix.MustRoomVersion("1")
	for _, c := range []struct {
		name   string
		route  Route
		answer Handler
		status int
		send   func(s *Server, ev *Event) (*Response, error)
	}{
		{"v2 refused 403", InviteV2, Status(403, "M_FORBIDDEN"), 403, func(s *Server, ev *Event) (*Response, error) { return s.SendInviteV2(t.Context(), ev) }},
		{"v2 answered 404 (fallback)", InviteV2, Status(404, "M_UNRECOGNIZED"), 404, func(s *Server, ev *Event) (*Response, error) { return s.SendInviteV2(t.Context(), ev) }},
		{"v1 refused 400", InviteV1, Status(400, "M_INVALID_PARAM"), 400, func(s *Server, ev *Event) (*Response, error) { return s.SendInviteV1(t.Context(), ev) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			home, remote := pair(t, []Option{Answer(c.route, c.answer)}, nil)
			alice := remote.User("alice")
			room := remote.CreateRoom(rv, alice)
			ev := room.InviteEvent(alice, home.User("bob")).Clone()
			ev.Fields["content"].(map[string]any)["displayname"] = "changed after hashing"
			res, err := c.send(remote, ev)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != c.status {
				t.Errorf("status %d, want the scripted %d", res.StatusCode, c.status)
			}
			hasProblem(t, home, "content hash")
			if got := home.ReceivedInvites(); len(got) != 1 || got[0].Valid {
				t.Errorf("the scripted invite should be recorded as received and invalid: %+v", got)
			}
		})
	}
}

// TestInvitePlaceInTheRoom: an invite to a room the receiver is not in
// must name the auth events the selection gives (as far as the full events
// of invite_room_state show them; in v12 never the create event), at
// least one and at most 20 distinct prev_events and the depth that
// follows from them.
func TestInvitePlaceInTheRoom(t *testing.T) {
	cases := []struct {
		name    string
		version string
		extra   func(t *testing.T, room *Room) map[string]any
		problem string
	}{
		{"the room's own invite", "10", func(*testing.T, *Room) map[string]any { return nil }, ""},
		{"the room's own invite (v12)", "12", func(*testing.T, *Room) map[string]any { return nil }, ""},
		{"the room's own invite (v1)", "1", func(*testing.T, *Room) map[string]any { return nil }, ""},
		{"auth_events without the join rules", "10", func(t *testing.T, r *Room) map[string]any {
			return map[string]any{"auth_events": refs(t, r.CreateEvent(), r.StateEvent("m.room.power_levels", ""), r.StateEvent("m.room.member", r.CreateEvent().Sender()))}
		}, "auth_events are the auth events selection"},
		{"auth_events with the room name", "10", func(t *testing.T, r *Room) map[string]any {
			return map[string]any{"auth_events": refs(t, r.CreateEvent(), r.StateEvent("m.room.power_levels", ""), r.StateEvent("m.room.member", r.CreateEvent().Sender()),
				r.StateEvent("m.room.join_rules", ""), r.StateEvent("m.room.name", ""))}
		}, "auth_events are the auth events selection"},
		{"v12 auth_events with the create event", "12", func(t *testing.T, r *Room) map[string]any {
			return map[string]any{"auth_events": refs(t, r.CreateEvent(), r.StateEvent("m.room.power_levels", ""), r.StateEvent("m.room.member", r.CreateEvent().Sender()), r.StateEvent("m.room.join_rules", ""))}
		}, "auth_events do not list the create event"},
		{"v1 auth_events with the create event only", "1", func(t *testing.T, r *Room) map[string]any {
			return map[string]any{"auth_events": refs(t, r.CreateEvent())}
		}, "at least the create event and the inviter's membership"},
		{"no prev_events", "10", func(*testing.T, *Room) map[string]any { return map[string]any{"prev_events": []any{}} }, "well formed"},
		{"a prev_event twice", "10", func(t *testing.T, r *Room) map[string]any {
			last := r.Events()[len(r.Events())-1]
			return map[string]any{"prev_events": refs(t, last, last)}
		}, "well formed"},
		{"a malformed event ID", "10", func(*testing.T, *Room) map[string]any {
			return map[string]any{"prev_events": []any{"not-an-event-id"}}
		}, "well formed"},
		{"auth_events that are not a list", "10", func(*testing.T, *Room) map[string]any { return map[string]any{"auth_events": "$x"} }, "lists of event references"},
		{"depth 1", "10", func(*testing.T, *Room) map[string]any { return map[string]any{"depth": 1} }, "depth is an integer above"},
		{"a depth that skips", "10", func(t *testing.T, r *Room) map[string]any {
			// prev_events: the name event, which invite_room_state carries in full.
			name := r.StateEvent("m.room.name", "")
			return map[string]any{"prev_events": refs(t, name), "depth": name.Depth() + 5}
		}, "depth follows its prev_events"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			home, remote, room, alice := pairWithRoom(t, matrix.MustRoomVersion(c.version))
			ev := inviteWith(t, room, alice, home.User("bob"), c.extra(t, room))
			res, err := remote.SendInviteV2(t.Context(), ev)
			judgeInvite(t, res, err, c.problem, http.StatusBadRequest, home)
		})
	}
}

// TestInviteToARoomTheReceiverIsIn: there the auth rules are applied with
// the auth_events the invite names, prev_events must be events of the
// room (those the receiver lacks are fetched) and depth follows them.
func TestInviteToARoomTheReceiverIsIn(t *testing.T) {
	rv := matrix.MustRoomVersion("11")
	cases := []struct {
		name    string
		build   func(t *testing.T, room *Room, alice, target string) *Event
		problem string
	}{
		{"a right invite", func(t *testing.T, r *Room, alice, target string) *Event { return r.InviteEvent(alice, target) }, ""},
		{"a right invite after an event the receiver lacks", func(t *testing.T, r *Room, alice, target string) *Event {
			msg := r.MustEvent(ProtoEvent{Type: "m.room.message", Sender: alice, Content: map[string]any{"body": "not sent to the receiver"}})
			if err := r.Apply(msg); err != nil {
				t.Fatal(err)
			}
			return r.InviteEvent(alice, target)
		}, ""},
		{"auth_events without the power levels", func(t *testing.T, r *Room, alice, target string) *Event {
			return inviteWith(t, r, alice, target, map[string]any{"auth_events": refs(t, r.CreateEvent(), r.StateEvent("m.room.member", alice), r.StateEvent("m.room.join_rules", ""))})
		}, ""}, // allowed: invite level 0 without power levels is still 0
		{"auth_events naming a stale membership of the inviter", func(t *testing.T, r *Room, alice, target string) *Event {
			return inviteWith(t, r, alice, target, map[string]any{"auth_events": refs(t, r.CreateEvent(), r.StateEvent("m.room.power_levels", ""), r.StateEvent("m.room.join_rules", ""))})
		}, "the auth rules accept it"},
		{"a prev_event the room does not have", func(t *testing.T, r *Room, alice, target string) *Event {
			return inviteWith(t, r, alice, target, map[string]any{"prev_events": []any{"$" + "A123456789012345678901234567890123456789012"}})
		}, "are events of the room"},
		{"a depth that skips", func(t *testing.T, r *Room, alice, target string) *Event {
			ev := r.InviteEvent(alice, target)
			return inviteWith(t, r, alice, target, map[string]any{"depth": ev.Depth() + 3})
		}, "depth is the prev_events' maximum depth plus one"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			home, remote, room, alice := pairWithRoom(t, rv)
			if _, err := home.JoinRoom(t.Context(), room.ID, home.User("bob")); err != nil {
				t.Fatal(err)
			}
			res, err := remote.SendInviteV2(t.Context(), c.build(t, room, alice, home.User("carol")))
			judgeInvite(t, res, err, c.problem, http.StatusBadRequest, home, remote)
		})
	}
}

// TestInviteRoomStateShapes: every invite_room_state entry must be a state
// event, full events must hash right and be of the invite's room, and the
// create event must be there.
func TestInviteRoomStateShapes(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	cases := []struct {
		name    string
		modify  func(state []any, room *Room) []any
		problem string
	}{
		{"full events", func(state []any, _ *Room) []any { return state }, ""},
		{"stripped state with the create event", func(_ []any, r *Room) []any {
			var out []any
			for _, s := range r.StrippedState() {
				out = append(out, map[string]any(s))
			}
			return out
		}, ""},
		{"an entry that is not an object", func(state []any, _ *Room) []any { return append(state, "m.room.name") }, "invite_room_state[3] is a state event"},
		{"an entry without content", func(state []any, _ *Room) []any {
			return append(state, map[string]any{"type": "m.room.topic", "state_key": "", "sender": "@a:b"})
		}, "invite_room_state[3] is a state event"},
		{"a full event whose content changed", func(state []any, _ *Room) []any {
			state[1].(map[string]any)["content"] = map[string]any{"name": "changed"}
			return state
		}, "content hash"},
		{"a full event of another room", func(state []any, r *Room) []any {
			other := r.server.CreateRoom(rv, r.CreateEvent().Sender())
			return append(state, map[string]any(other.StateEvent("m.room.name", "").Fields.Clone()))
		}, "of the invite's room"},
		{"no create event", func(state []any, _ *Room) []any {
			return slices.DeleteFunc(state, func(e any) bool { return e.(map[string]any)["type"] == "m.room.create" })
		}, "holds the m.room.create event"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			home, remote, room, alice := pairWithRoom(t, rv)
			res, err := remote.SendInviteV2(t.Context(), room.InviteEvent(alice, home.User("bob")), ModifyBody(func(body matrix.Object) {
				state, _ := body.GetArray("invite_room_state")
				body["invite_room_state"] = c.modify(state, room)
			}))
			judgeInvite(t, res, err, c.problem, 0, home)
		})
	}
}

// judgeInvite checks how home took an invite: sent, and either accepted
// (200) with no problem on home or the others, or refused with refusal (0:
// any status) and a problem about problem on home.
func judgeInvite(t *testing.T, res *Response, err error, problem string, refusal int, home *Server, others ...*Server) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if problem == "" {
		if res.StatusCode != http.StatusOK {
			t.Errorf("refused: %v\n%s", res, home.Journal.Transcript())
		}
		noProblems(t, append([]*Server{home}, others...)...)
		return
	}
	if refusal != 0 && res.StatusCode != refusal {
		t.Errorf("status %d, want %d", res.StatusCode, refusal)
	}
	hasProblem(t, home, problem)
}

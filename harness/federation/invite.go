package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"herald/harness/spec"
)

// ReceivedInvite is an invite the homeserver sent to the mock.
type ReceivedInvite struct {
	// API is InviteV1 or InviteV2.
	API Route
	// RoomVersion is the body's room_version (v2), or "1" for v1, where
	// the receiver must assume version 1 or 2.
	RoomVersion string
	// Event is the invite as received.
	Event *Event
	// InviteRoomState is invite_room_state (v2) or
	// unsigned.invite_room_state (v1), as received.
	InviteRoomState []any
	// Valid is true when every check on it passed.
	Valid bool
}

// ReceivedInvites returns the invites the homeserver sent, in order
// (answered or not).
func (s *Server) ReceivedInvites() []ReceivedInvite {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.invites)
}

// serveInvite receives an invite (invites-v1.yaml, invites-v2.yaml):
// checks it as a receiver MUST (server-server-api.md "Inviting to a
// room"), countersigns it and returns it otherwise untouched.
func (s *Server) serveInvite(v2 bool) Handler {
	return func(r *Request) *Reply {
		body, reply := r.body()
		if reply != nil {
			return reply
		}
		rv := spec.MustRoomVersion("1")
		var event spec.Object
		var state []any
		if v2 {
			ver, ok := body.GetString("room_version")
			r.Check("v2 invite body has room_version", checkf(!ok, "missing or not a string"))
			if !ok {
				return errorReply(http.StatusBadRequest, "M_BAD_JSON", "room_version is required")
			}
			known, ok := spec.LookupRoomVersion(ver)
			if !ok {
				r.Note("unknown room version %q", ver)
				return jsonReply(http.StatusBadRequest, map[string]any{
					"errcode": "M_INCOMPATIBLE_ROOM_VERSION", "error": "unknown room version", "room_version": ver,
				})
			}
			rv = known
			event, ok = body.GetObject("event")
			r.Check("v2 invite body has event", checkf(!ok, "missing or not an object"))
			if !ok {
				return errorReply(http.StatusBadRequest, "M_BAD_JSON", "event is required")
			}
			if v, present := body["invite_room_state"]; present {
				state, _ = v.([]any)
				r.Check("invite_room_state is an array", checkf(state == nil && v != nil, "it is %T", v))
			}
		} else {
			event = body
			if unsigned, ok := body.GetObject("unsigned"); ok {
				state, _ = unsigned.GetArray("invite_room_state")
			}
		}
		ev, ok := s.receiveEvent(r, "invite: ", rv, event, r.PathValue("eventId"), r.PathValue("roomId"))
		origin := r.Origin
		senderServer, _ := spec.ServerNameOf(ev.Sender())
		target, _ := ev.StateKey()
		targetServer, _ := spec.ServerNameOf(target)
		for _, c := range []Check{
			{"invite: type is m.room.member", checkf(ev.Type() != "m.room.member", "type is %q", ev.Type())},
			{"invite: membership is invite", checkf(ev.Membership() != "invite", "membership is %q", ev.Membership())},
			{"invite: sender is on the requesting server", checkf(senderServer != origin, "sender %q, origin %q", ev.Sender(), origin)},
			{"invite: state_key is a user on the mock", checkf(targetServer != s.name, "state_key %q", target)},
		} {
			r.Check(c.Name, c.Err)
			ok = ok && c.Err == nil
		}
		noteInviteState(r, rv, state)
		api := InviteV1
		if v2 {
			api = InviteV2
		}
		s.mu.Lock()
		s.invites = append(s.invites, ReceivedInvite{API: api, RoomVersion: rv.ID, Event: ev.Clone(), InviteRoomState: state, Valid: ok})
		s.mu.Unlock()
		if !ok {
			return errorReply(http.StatusBadRequest, "M_INVALID_PARAM", "the invite failed the mock's checks (see Herald's journal)")
		}
		signed := event.Clone()
		if err := s.Signer().SignEvent(rv, signed); err != nil {
			r.Check("countersigning the invite", err)
			return errorReply(http.StatusInternalServerError, "M_UNKNOWN", "%v", err)
		}
		if v2 {
			return jsonReply(http.StatusOK, map[string]any{"event": map[string]any(signed)})
		}
		return jsonReply(http.StatusOK, []any{200, map[string]any{"event": map[string]any(signed)}})
	}
}

// noteInviteState records whether invite_room_state follows v1.16: the
// create event present, every entry a full PDU of the room version. It is
// a note, not a check: specs about invite_room_state assert it themselves.
func noteInviteState(r *Request, rv spec.RoomVersion, state []any) {
	if state == nil {
		r.Note("no invite_room_state")
		return
	}
	hasCreate := false
	var stripped []string
	for i, item := range state {
		m, ok := item.(map[string]any)
		if !ok {
			stripped = append(stripped, fmt.Sprintf("#%d is not an object", i))
			continue
		}
		o := spec.Object(m)
		if t, _ := o.GetString("type"); t == "m.room.create" {
			hasCreate = true
		}
		if err := rv.CheckContentHash(o); err != nil || !o.Has("auth_events") || !o.Has("signatures") {
			t, _ := o.GetString("type")
			stripped = append(stripped, fmt.Sprintf("#%d (%s) is not a full PDU", i, t))
		}
	}
	r.Note("invite_room_state: %d entries, m.room.create included: %t, not full PDUs: %v", len(state), hasCreate, stripped)
}

// InviteV2Body is the body of a v2 invite request: the room version, the
// event and, unless state is nil, invite_room_state.
func InviteV2Body(invite *Event, state []*Event) map[string]any {
	body := map[string]any{"room_version": invite.Version.ID, "event": map[string]any(invite.Fields)}
	if state != nil {
		body["invite_room_state"] = eventsJSON(state)
	}
	return body
}

// InviteV1Body is the body of a v1 invite request: the event itself with,
// unless state is nil, unsigned.invite_room_state (which no hash or
// signature covers).
func InviteV1Body(invite *Event, state []*Event) map[string]any {
	body := invite.Fields.Clone()
	if state != nil {
		unsigned, _ := body.GetObject("unsigned")
		if unsigned == nil {
			unsigned = spec.Object{}
		}
		unsigned["invite_room_state"] = eventsJSON(state)
		body["unsigned"] = map[string]any(unsigned)
	}
	return body
}

// SendInviteV2 sends invite to the homeserver over
// PUT /_matrix/federation/v2/invite, with the room's invite_room_state.
// When the answer is 200 with the invite countersigned by the homeserver
// and otherwise intact, the mock applies it to its room.
func (s *Server) SendInviteV2(ctx context.Context, invite *Event, opts ...RequestOption) (*Response, error) {
	return s.sendInvite(ctx, InviteV2, "v2", invite, InviteV2Body(invite, s.inviteRoomState(invite)), opts)
}

// SendInviteV1 sends invite over PUT /_matrix/federation/v1/invite (for
// rooms v1 and v2), with the room's state in unsigned.invite_room_state.
func (s *Server) SendInviteV1(ctx context.Context, invite *Event, opts ...RequestOption) (*Response, error) {
	return s.sendInvite(ctx, InviteV1, "v1", invite, InviteV1Body(invite, s.inviteRoomState(invite)), opts)
}

// inviteRoomState is the invite_room_state of invite's room, or nil when
// the mock does not host that room.
func (s *Server) inviteRoomState(invite *Event) []*Event {
	if room := s.Room(invite.RoomID()); room != nil {
		return room.InviteRoomState()
	}
	return nil
}

func (s *Server) sendInvite(ctx context.Context, route Route, api string, invite *Event, body map[string]any, opts []RequestOption) (*Response, error) {
	target := "/_matrix/federation/" + api + "/invite/" + url.PathEscape(invite.RoomID()) + "/" + url.PathEscape(invite.ID)
	var accepted *Event
	res, err := s.call(ctx, route, http.MethodPut, target, body, opts, func(res *Response) []Check {
		if res.StatusCode != http.StatusOK {
			return nil
		}
		var checks []Check
		returned, err := res.Event()
		checks = append(checks, Check{"the answer carries the invite event", err})
		if err != nil {
			return checks
		}
		ev, err := NewEventFromObject(invite.Version, returned)
		checks = append(checks, Check{"the returned invite has the sent event ID", func() error {
			if err != nil {
				return err
			}
			return checkf(ev.ID != invite.ID, "sent %s, got back %s", invite.ID, ev.ID)
		}()})
		if err != nil {
			return checks
		}
		checks = append(checks, Check{"the returned invite's content hash", invite.Version.CheckContentHash(returned)})
		checks = append(checks, Check{"the returned invite is signed by " + s.Peer().Name, s.checkSignatureOf(ctx, invite.Version, returned, s.Peer().Name)})
		checks = append(checks, Check{"the returned invite keeps the mock's signature", s.checkSignatureOf(ctx, invite.Version, returned, s.name)})
		for _, c := range checks {
			if c.Err != nil {
				return checks
			}
		}
		accepted = ev
		return checks
	})
	if err != nil {
		return res, err
	}
	if accepted != nil {
		if room := s.Room(invite.RoomID()); room != nil {
			if err := room.Apply(accepted); err != nil {
				return res, fmt.Errorf("applying the countersigned invite to the mock's room: %w", err)
			}
		}
	}
	return res, nil
}

// Event returns the "event" of an answer shaped {"event": …} (v2 APIs) or
// [200, {"event": …}] (v1 APIs).
func (r *Response) Event() (spec.Object, error) {
	v, err := r.JSON()
	if err != nil {
		return nil, err
	}
	holder, ok := eventHolder(v)
	if !ok {
		return nil, errors.New(`the body is neither {"event": …} nor [200, {"event": …}]`)
	}
	ev, ok := holder["event"].(map[string]any)
	if !ok {
		return nil, errors.New("event is not an object")
	}
	return spec.Object(ev), nil
}

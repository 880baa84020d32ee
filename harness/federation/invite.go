package federation

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"herald/harness/matrix"
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

// inviteReceipt is what the mock made of an inbound invite request.
type inviteReceipt struct {
	rv    matrix.RoomVersion
	event matrix.Object
	// ok is true when every check passed.
	ok bool
	// refusal is the answer when the body was too malformed to go on.
	refusal *Reply
}

// receiveInvite checks the invite a request carries, once per request
// (serve calls it before any handler, so a scripted answer does not skip
// it; the default answer finds the result here).
func (s *Server) receiveInvite(r *Request) *inviteReceipt {
	if r.invite == nil {
		r.invite = s.checkInvite(r, r.Route == InviteV2)
	}
	return r.invite
}

// serveInvite receives an invite (invites-v1.yaml, invites-v2.yaml):
// checks it as a receiver MUST (server-server-api.md "Inviting to a
// room"), countersigns it and returns it otherwise untouched.
func (s *Server) serveInvite(v2 bool) Handler {
	return func(r *Request) *Reply {
		in := s.receiveInvite(r)
		if in.refusal != nil {
			return in.refusal
		}
		if !in.ok {
			return errorReply(http.StatusBadRequest, "M_INVALID_PARAM", "the invite failed the mock's checks (see Herald's journal)")
		}
		signed := in.event.Clone()
		if err := s.Signer().SignEvent(in.rv, signed); err != nil {
			r.Check("countersigning the invite", err)
			return errorReply(http.StatusInternalServerError, "M_UNKNOWN", "%v", err)
		}
		if v2 {
			return jsonReply(http.StatusOK, map[string]any{"event": map[string]any(signed)})
		}
		return jsonReply(http.StatusOK, []any{200, map[string]any{"event": map[string]any(signed)}})
	}
}

// checkInvite makes every check on an invite request and records it among
// the received invites: the body's shape, the event (hashes, signatures,
// IDs), the receiver's checks, invite_room_state and the invite's place in
// its room.
func (s *Server) checkInvite(r *Request, v2 bool) *inviteReceipt {
	body, reply := r.body()
	if reply != nil {
		return &inviteReceipt{refusal: reply}
	}
	rv := matrix.MustRoomVersion("1")
	var event matrix.Object
	var state []any
	statePresent := false
	if v2 {
		ver, ok := body.GetString("room_version")
		r.Check("v2 invite body has room_version", checkf(!ok, "missing or not a string"))
		if !ok {
			return &inviteReceipt{refusal: errorReply(http.StatusBadRequest, "M_BAD_JSON", "room_version is required")}
		}
		known, ok := matrix.LookupRoomVersion(ver)
		if !ok {
			r.Note("unknown room version %q", ver)
			return &inviteReceipt{refusal: jsonReply(http.StatusBadRequest, map[string]any{
				"errcode": "M_INCOMPATIBLE_ROOM_VERSION", "error": "unknown room version", "room_version": ver,
			})}
		}
		rv = known
		event, ok = body.GetObject("event")
		r.Check("v2 invite body has event", checkf(!ok, "missing or not an object"))
		if !ok {
			return &inviteReceipt{refusal: errorReply(http.StatusBadRequest, "M_BAD_JSON", "event is required")}
		}
		if v, present := body["invite_room_state"]; present {
			statePresent = true
			state, _ = v.([]any)
			r.Check("invite_room_state is an array", checkf(state == nil && v != nil, "it is %s", matrix.JSONKind(v)))
		}
	} else {
		event = body
		if unsigned, ok := body.GetObject("unsigned"); ok {
			if v, present := unsigned["invite_room_state"]; present {
				statePresent = true
				state, _ = v.([]any)
				r.Check("unsigned.invite_room_state is an array", checkf(state == nil && v != nil, "it is %s", matrix.JSONKind(v)))
			}
		}
	}
	ev, ok := s.receiveEvent(r, "invite: ", rv, event, r.PathValue("eventId"), r.PathValue("roomId"))
	origin := r.Origin
	senderServer, _ := matrix.ServerNameOf(ev.Sender())
	target, _ := ev.StateKey()
	targetServer, _ := matrix.ServerNameOf(target)
	for _, c := range []Check{
		{Name: "invite: type is m.room.member", Err: checkf(ev.Type() != "m.room.member", "type is %q", ev.Type())},
		{Name: "invite: membership is invite", Err: checkf(ev.Membership() != "invite", "membership is %q", ev.Membership())},
		{Name: "invite: sender is on the requesting server", Err: checkf(senderServer != origin, "sender %q, origin %q", ev.Sender(), origin)},
		{Name: "invite: state_key is a user on the mock", Err: checkf(targetServer != s.Name(), "state_key %q", target)},
	} {
		r.Check(c.Name, c.Err)
		ok = ok && c.Err == nil
	}
	var full map[string]*Event
	if statePresent {
		var stateOK bool
		full, stateOK = checkInviteState(r, rv, ev.RoomID(), state)
		ok = ok && stateOK
	} else {
		r.Note("no invite_room_state")
	}
	ok = s.checkInvitePlace(r, ev, full) && ok
	api := InviteV1
	if v2 {
		api = InviteV2
	}
	s.mu.Lock()
	s.invites = append(s.invites, ReceivedInvite{API: api, RoomVersion: rv.ID, Event: ev.Clone(), InviteRoomState: state, Valid: ok})
	s.mu.Unlock()
	return &inviteReceipt{rv: rv, event: event, ok: ok}
}

// checkInviteState judges invite_room_state (invites-v2.yaml, v1.16):
// every entry is at least a stripped state event (type, state_key,
// sender, content: what the invitee's client is shown), the m.room.create
// event is there (MUST), and an entry that carries hashes or signatures,
// so presents itself as a full event, has a content hash that holds and
// belongs to the invite's room. Whether every entry is a full event (also
// a MUST since v1.16) is judged by the outbound specs on their own
// (OUT-STATE-FULL), not again here. It returns the full events by ID.
func checkInviteState(r *Request, rv matrix.RoomVersion, roomID string, state []any) (map[string]*Event, bool) {
	ok := true
	rec := func(name string, err error) {
		r.Check(name, err)
		ok = ok && err == nil
	}
	full := map[string]*Event{}
	hasCreate := false
	stripped := 0
	for i, item := range state {
		where := fmt.Sprintf("invite_room_state[%d]", i)
		m, isObj := item.(map[string]any)
		if !isObj {
			rec(where+" is a state event", fmt.Errorf("it is %s, not an object", matrix.JSONKind(item)))
			continue
		}
		o := matrix.Object(m)
		typ, typeOK := o.GetString("type")
		_, keyOK := o.GetString("state_key")
		_, senderOK := o.GetString("sender")
		_, contentOK := o.GetObject("content")
		var missing []string
		for _, f := range []struct {
			name string
			ok   bool
		}{{"type", typeOK}, {"state_key", keyOK}, {"sender", senderOK}, {"content", contentOK}} {
			if !f.ok {
				missing = append(missing, f.name)
			}
		}
		rec(where+" is a state event (type, state_key, sender, content)", checkf(len(missing) > 0, "%s lacks or mistypes %v", where, missing))
		if typ == "m.room.create" {
			hasCreate = true
		}
		if !o.Has("hashes") && !o.Has("signatures") {
			stripped++
			continue
		}
		where += " (" + typ + ", a full event)"
		rec(where+": content hash", rv.CheckContentHash(o))
		inRoom := checkf(o["room_id"] != any(roomID), "room_id %v, the invite is for %s", o["room_id"], roomID)
		if typ == "m.room.create" && rv.RoomIDFromCreateEvent {
			id, err := rv.CreateEventRoomID(o)
			inRoom = errors.Join(err, checkf(err == nil && id != roomID, "it creates room %s, the invite is for %s", id, roomID))
		}
		rec(where+": of the invite's room", inRoom)
		if id, err := rv.EventID(o); err == nil {
			full[id] = &Event{ID: id, Version: rv, Fields: o}
		}
	}
	rec("invite_room_state holds the m.room.create event (v1.16: MUST)", checkf(!hasCreate, "none of its %d entries is m.room.create", len(state)))
	r.Note("invite_room_state: %d entries, %d stripped, %d full events", len(state), stripped, len(state)-stripped)
	return full, ok
}

// checkInvitePlace judges the invite's place in its room: auth_events
// (the auth events selection, server-server-api.md §Auth events
// selection; in v12 the create event is implied by the room ID and must
// not be listed, rooms/v12.md), prev_events and depth (pdu_v*.yaml: at
// most 10 auth events and 20 prev events; depth is the maximum depth of
// the prev_events plus one). In a room the mock is in, it applies the auth
// rules with the events the invite names, fetching from the homeserver
// those it lacks; elsewhere it judges what the invite and the full events
// of invite_room_state (full, by ID) let it know.
func (s *Server) checkInvitePlace(r *Request, ev *Event, full map[string]*Event) bool {
	rv := ev.Version
	ok := true
	rec := func(name string, err error) {
		r.Check(name, err)
		ok = ok && err == nil
	}
	auth, authErr := rv.EventRefs(ev.Fields, "auth_events")
	prev, prevErr := rv.EventRefs(ev.Fields, "prev_events")
	rec("invite: auth_events and prev_events are lists of event references", errors.Join(authErr, prevErr))
	if authErr != nil || prevErr != nil {
		return false
	}
	var errs []error
	for _, list := range []struct {
		name string
		ids  []string
		min  int
		max  int
	}{{"auth_events", auth, 1, 10}, {"prev_events", prev, 1, 20}} {
		if len(list.ids) < list.min || len(list.ids) > list.max {
			errs = append(errs, fmt.Errorf("%s has %d entries; an invite has %d to %d", list.name, len(list.ids), list.min, list.max))
		}
		seen := map[string]bool{}
		for _, id := range list.ids {
			if seen[id] {
				errs = append(errs, fmt.Errorf("%s lists %s twice", list.name, id))
			}
			seen[id] = true
			if err := rv.CheckEventIDFormat(id); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", list.name, err))
			}
			if id == ev.ID {
				errs = append(errs, fmt.Errorf("%s lists the invite itself", list.name))
			}
		}
	}
	rec("invite: auth_events and prev_events are well formed (room v"+rv.ID+")", errors.Join(errs...))
	depth, depthOK := ev.Fields.GetInt("depth")
	limit := int64(math.MaxInt64)
	if rv.StrictCanonicalJSON {
		limit = 1<<53 - 1
	}
	rec("invite: depth is an integer above the create event's (2 or more) and within the room version's limit",
		checkf(!depthOK || depth < 2 || depth > limit, "depth is %v", ev.Fields["depth"]))
	if room := s.Room(ev.RoomID()); room != nil {
		return s.checkInviteInRoom(r, room, ev, auth, prev, depth) && ok
	}

	// The mock is not in the room: what the invite and the full events of
	// invite_room_state let it know.
	createID := ""
	if rv.RoomIDFromCreateEvent {
		createID = "$" + strings.TrimPrefix(ev.RoomID(), "!")
		rec("invite: auth_events do not list the create event (room v12: the room ID implies it)",
			checkf(slices.Contains(auth, createID), "auth_events list %s, the create event", createID))
	} else {
		rec("invite: auth_events list at least the create event and the inviter's membership",
			checkf(len(auth) < 2, "auth_events has %d entries", len(auth)))
	}
	sk, _ := ev.StateKey()
	allowed := selection(rv, ev.Type(), ev.Sender(), &sk, ev.Content())
	errs = nil
	for _, id := range auth {
		if a := full[id]; a != nil && !slices.Contains(allowed, a.key()) {
			errs = append(errs, fmt.Errorf("auth event %s is %s(%s), which the auth events selection does not allow for an invite", id, a.key().Type, a.key().StateKey))
		}
	}
	for id, a := range full {
		if slices.Contains(allowed, a.key()) && !slices.Contains(auth, id) && id != createID {
			errs = append(errs, fmt.Errorf("the room's current %s(%s) %s (in invite_room_state) is not listed", a.key().Type, a.key().StateKey, id))
		}
		if a.key() == (stateKeyOf{"m.room.member", ev.Sender()}) && a.Membership() != "join" {
			errs = append(errs, fmt.Errorf("the inviter's membership in invite_room_state is %q, not join", a.Membership()))
		}
	}
	rec("invite: auth_events are the auth events selection of the room's current state in invite_room_state", errors.Join(errs...))
	errs = nil
	maxPrev, allKnown := int64(0), true
	for _, id := range prev {
		if p := full[id]; p != nil {
			maxPrev = max(maxPrev, p.Depth())
		} else {
			allKnown = false
		}
	}
	for _, id := range auth {
		if a := full[id]; a != nil && a.Depth() >= depth {
			errs = append(errs, fmt.Errorf("auth event %s has depth %d, not below the invite's %d", id, a.Depth(), depth))
		}
	}
	if allKnown && depth != min(maxPrev+1, limit) {
		errs = append(errs, fmt.Errorf("depth %d, the prev_events' maximum depth is %d", depth, maxPrev))
	} else if !allKnown && maxPrev >= depth {
		errs = append(errs, fmt.Errorf("depth %d is not above a prev_event's depth %d", depth, maxPrev))
	}
	rec("invite: depth follows its prev_events and auth_events", errors.Join(errs...))
	return ok
}

// checkInviteInRoom judges an invite to a room the mock is in: every
// auth and prev event is an event of the room (those the mock lacks are
// fetched from the homeserver and verified, as a server does for missing
// events), the auth rules accept the invite with the auth_events it
// names, and its depth is the prev_events' maximum plus one.
func (s *Server) checkInviteInRoom(r *Request, room *Room, ev *Event, auth, prev []string, depth int64) bool {
	ok := true
	rec := func(name string, err error) {
		r.Check(name, err)
		ok = ok && err == nil
	}
	var errs []error
	for _, id := range slices.Concat(auth, prev) {
		if room.Event(id) == nil {
			errs = append(errs, s.fetchInto(r, room, id))
		}
	}
	rec("invite: its auth_events and prev_events are events of the room", errors.Join(errs...))
	rec("invite: the auth rules accept it with the auth_events it names", room.Authorise(ev))
	var maxPrev int64
	known := true
	for _, id := range prev {
		if p := room.Event(id); p != nil {
			maxPrev = max(maxPrev, p.Depth())
		} else {
			known = false
		}
	}
	if known {
		limit := int64(math.MaxInt64)
		if ev.Version.StrictCanonicalJSON {
			limit = 1<<53 - 1
		}
		rec("invite: depth is the prev_events' maximum depth plus one", checkf(depth != min(maxPrev+1, limit), "depth %d, the prev_events' maximum is %d", depth, maxPrev))
	}
	return ok
}

// fetchInto fetches event id from the homeserver (GET /event), verifies it
// and keeps it in room as an outlier; the error says why it could not.
func (s *Server) fetchInto(r *Request, room *Room, id string) error {
	res, err := s.GetEvent(r.HTTP.Context(), id)
	if err != nil {
		return fmt.Errorf("%s is unknown to the mock and fetching it failed: %w", id, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s is unknown to the mock and the homeserver answered GET /event with %d", id, res.StatusCode)
	}
	body, err := res.Object()
	if err != nil {
		return fmt.Errorf("GET /event/%s: %w", id, err)
	}
	pdus, _ := body.GetArray("pdus")
	if len(pdus) != 1 {
		return fmt.Errorf("GET /event/%s answered %d PDUs, not 1", id, len(pdus))
	}
	m, _ := pdus[0].(map[string]any)
	obj := matrix.Object(m)
	got, verified := s.verifyReceived(r.HTTP.Context(), room.Version, obj, room.ID, "fetched "+id+": ", r.Check)
	if !verified || got.ID != id {
		return fmt.Errorf("GET /event/%s answered event %s, which failed the mock's checks", id, got.ID)
	}
	room.mu.Lock()
	room.addOutlier(got)
	room.mu.Unlock()
	return nil
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
			unsigned = matrix.Object{}
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
		checks = append(checks, Check{Name: "the answer carries the invite event", Err: err})
		if err != nil {
			return checks
		}
		ev, err := NewEventFromObject(invite.Version, returned)
		checks = append(checks, Check{Name: "the returned invite has the sent event ID", Err: func() error {
			if err != nil {
				return err
			}
			return checkf(ev.ID != invite.ID, "sent %s, got back %s", invite.ID, ev.ID)
		}()})
		if err != nil {
			return checks
		}
		checks = append(checks, Check{Name: "the returned invite's content hash", Err: invite.Version.CheckContentHash(returned)})
		checks = append(checks, Check{Name: "the returned invite is signed by " + s.Peer().Name, Err: s.checkSignatureOf(ctx, invite.Version, returned, s.Peer().Name)})
		checks = append(checks, Check{Name: "the returned invite keeps the mock's signature", Err: s.checkSignatureOf(ctx, invite.Version, returned, s.Name())})
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

// Invite has sender, a mock user joined to the room, invite target, a user
// of the homeserver, as a server in the room does (server-server-api.md
// §Inviting to a room): the invite is built on the mock's copy of the room
// (its prev_events and auth_events are what the mock knows of it) and sent
// to the homeserver over api (InviteV2, or InviteV1 for rooms v1 and v2).
// When it comes back countersigned, the mock applies it and, if the
// homeserver has a member joined to the room, sends it to the room in a
// transaction, as the inviting server "can" (invites-v1.yaml). It returns
// the invite as sent and the answer to the invite request; the error is
// for a request that got no answer, or an accepted invite that the room's
// transaction then refused.
func (r *Room) Invite(ctx context.Context, api Route, sender, target string) (*Event, *Response, error) {
	send := r.server.SendInviteV2
	switch api {
	case InviteV2:
	case InviteV1:
		send = r.server.SendInviteV1
	default:
		return nil, nil, fmt.Errorf("federation: inviting over %s, which is no invite API", api)
	}
	invite, err := r.NewEvent(ProtoEvent{
		Type: "m.room.member", StateKey: StateKey(target), Sender: sender,
		Content: map[string]any{"membership": "invite"},
	})
	if err != nil {
		return nil, nil, err
	}
	res, err := send(ctx, invite)
	if err != nil {
		return invite, res, err
	}
	accepted := r.Event(invite.ID) // the countersigned invite, once applied
	if accepted == nil || !slices.Contains(r.joinedServers(), r.server.Peer().Name) {
		return invite, res, nil
	}
	return invite, res, r.deliver(ctx, accepted)
}

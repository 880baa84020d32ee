package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"herald/harness/matrix"
)

// Typed calls of the mock to the homeserver. Each returns the raw
// Response (for specs that check it) and an error only when there was no
// answer; the helpers that run a whole handshake (JoinRoom, RejectInvite)
// return an error for any unexpected answer.

func roomPath(api, endpoint string, segments ...string) string {
	p := "/_matrix/federation/" + api + "/" + endpoint
	for _, s := range segments {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// MakeJoin asks for a join template (GET /v1/make_join), listing every
// room version the mock supports in ver.
func (s *Server) MakeJoin(ctx context.Context, roomID, userID string, opts ...RequestOption) (*Response, error) {
	q := url.Values{"ver": matrix.KnownVersionIDs()}
	return s.call(ctx, MakeJoin, http.MethodGet, roomPath("v1", "make_join", roomID, userID)+"?"+q.Encode(), nil, opts, nil)
}

// MakeLeave asks for a leave template (GET /v1/make_leave).
func (s *Server) MakeLeave(ctx context.Context, roomID, userID string, opts ...RequestOption) (*Response, error) {
	return s.call(ctx, MakeLeave, http.MethodGet, roomPath("v1", "make_leave", roomID, userID), nil, opts, nil)
}

// SendJoinV1 sends a signed join (PUT /v1/send_join).
func (s *Server) SendJoinV1(ctx context.Context, join *Event, opts ...RequestOption) (*Response, error) {
	return s.call(ctx, SendJoinV1, http.MethodPut, roomPath("v1", "send_join", join.RoomID(), join.ID), map[string]any(join.Fields), opts, nil)
}

// SendJoinV2 sends a signed join (PUT /v2/send_join).
func (s *Server) SendJoinV2(ctx context.Context, join *Event, opts ...RequestOption) (*Response, error) {
	return s.call(ctx, SendJoinV2, http.MethodPut, roomPath("v2", "send_join", join.RoomID(), join.ID), map[string]any(join.Fields), opts, nil)
}

// SendLeaveV1 sends a signed leave (PUT /v1/send_leave).
func (s *Server) SendLeaveV1(ctx context.Context, leave *Event, opts ...RequestOption) (*Response, error) {
	return s.call(ctx, SendLeaveV1, http.MethodPut, roomPath("v1", "send_leave", leave.RoomID(), leave.ID), map[string]any(leave.Fields), opts, nil)
}

// SendLeaveV2 sends a signed leave (PUT /v2/send_leave).
func (s *Server) SendLeaveV2(ctx context.Context, leave *Event, opts ...RequestOption) (*Response, error) {
	return s.call(ctx, SendLeaveV2, http.MethodPut, roomPath("v2", "send_leave", leave.RoomID(), leave.ID), map[string]any(leave.Fields), opts, nil)
}

// SignTemplate turns a make_join/make_leave answer into a signed event of
// the mock: an event_id for v1/v2 rooms, the content hash, the mock's
// signature.
func (s *Server) SignTemplate(res *Response) (*Event, error) {
	body, err := res.Object()
	if err != nil {
		return nil, fmt.Errorf("the template answer: %w", err)
	}
	ver, ok := body.GetString("room_version")
	if !ok {
		ver = "1" // joins-v1.yaml: if not provided, version 1 or 2
	}
	rv, ok := matrix.LookupRoomVersion(ver)
	if !ok {
		return nil, fmt.Errorf("the template is for unknown room version %q", ver)
	}
	tmpl, ok := body.GetObject("event")
	if !ok {
		return nil, errors.New("the template answer has no event")
	}
	ev := tmpl.Clone()
	if rv.EventIDFormat == matrix.EventIDOpaque {
		// "The joining server is expected to add or replace the origin,
		// origin_server_ts, and event_id on the templated event"
		// (server-server-api.md "Joining Rooms"): an ID of the resident's
		// domain would need the resident's signature too.
		ev["event_id"] = matrix.NewOpaqueID('$', s.Name())
	}
	return s.signEvent(rv, ev)
}

// JoinRoom joins userID (a mock user) to a room on the homeserver:
// make_join, then send_join v2. Every event in the answer is verified (the
// checks go into the journal) and the mock keeps the room, so the
// homeserver's later transactions apply to it.
func (s *Server) JoinRoom(ctx context.Context, roomID, userID string) (*Room, error) {
	fail := func(format string, args ...any) (*Room, error) {
		return nil, fmt.Errorf("federation: %s joining %s: %s", userID, roomID, fmt.Sprintf(format, args...))
	}
	res, err := s.MakeJoin(ctx, roomID, userID)
	if err != nil {
		return fail("%v", err)
	}
	if res.StatusCode != http.StatusOK {
		return fail("make_join answered %d:\n%s", res.StatusCode, res)
	}
	join, err := s.SignTemplate(res)
	if err != nil {
		return fail("%v", err)
	}
	rv := join.Version
	var room *Room
	res, err = s.call(ctx, SendJoinV2, http.MethodPut, roomPath("v2", "send_join", roomID, join.ID), map[string]any(join.Fields), nil,
		func(res *Response) []Check {
			if res.StatusCode != http.StatusOK {
				return nil
			}
			var checks []Check
			room, checks = s.replicaFromSendJoin(ctx, rv, roomID, join, res)
			return checks
		})
	if err != nil {
		return fail("%v", err)
	}
	if res.StatusCode != http.StatusOK {
		return fail("send_join answered %d:\n%s", res.StatusCode, res)
	}
	if room == nil {
		return fail("the send_join answer failed the mock's checks (see the journal):\n%s", res)
	}
	s.addRoom(room)
	return room, nil
}

// replicaFromSendJoin verifies a send_join answer and builds the mock's
// copy of the room from it.
func (s *Server) replicaFromSendJoin(ctx context.Context, rv matrix.RoomVersion, roomID string, join *Event, res *Response) (*Room, []Check) {
	var checks []Check
	check := func(name string, err error) { checks = append(checks, Check{Name: name, Err: err}) }
	body, err := res.Object()
	check("send_join answer is a JSON object", err)
	if err != nil {
		return nil, checks
	}
	room := newRoom(s, rv, roomID)
	parse := func(field string) []*Event {
		list, ok := body.GetArray(field)
		check("send_join answer has "+field, checkf(!ok, "missing or not an array"))
		var out []*Event
		for i, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				check(fmt.Sprintf("%s[%d] is an object", field, i), errors.New("it is not"))
				continue
			}
			ev, ok := s.verifyReceived(ctx, rv, matrix.Object(m), roomID, field+": ", check)
			if ok {
				out = append(out, ev)
			}
		}
		return out
	}
	state, chain := parse("state"), parse("auth_chain")
	for _, ev := range append(chain, state...) {
		room.addOutlier(ev)
	}
	for _, ev := range state {
		if ev.IsState() {
			room.state[ev.key()] = ev.ID
		}
	}
	if room.createID == "" {
		check("send_join answer includes the create event", errors.New("no m.room.create"))
		return nil, checks
	}
	final := join
	if e, ok := body.GetObject("event"); ok {
		ev, err := NewEventFromObject(rv, e)
		check("send_join answer's event has the join's ID", func() error {
			if err != nil {
				return err
			}
			return checkf(ev.ID != join.ID, "sent %s, got %s", join.ID, ev.ID)
		}())
		if err == nil {
			final = ev
		}
	}
	err = room.apply(final)
	check("the join passes the auth rules on the answered state", err)
	if err != nil {
		return nil, checks
	}
	for _, c := range checks {
		if c.Err != nil {
			return nil, checks
		}
	}
	return room, checks
}

// verifyReceived verifies an event the homeserver gave the mock, through
// check.
func (s *Server) verifyReceived(ctx context.Context, rv matrix.RoomVersion, obj matrix.Object, roomID, where string, check func(string, error)) (*Event, bool) {
	wantRoom := roomID
	if t, _ := obj.GetString("type"); t == "m.room.create" && rv.RoomIDFromCreateEvent {
		wantRoom = ""
	}
	id, ok := s.verifyEvent(ctx, eventCheck{rv: rv, event: obj, room: wantRoom}, func(name string, err error) { check(where+name, err) })
	return &Event{ID: id, Version: rv, Fields: obj}, ok
}

// RejectInvite makes userID (a mock user invited by the homeserver) reject
// the invite: make_leave, then send_leave v2.
func (s *Server) RejectInvite(ctx context.Context, roomID, userID string) error {
	res, err := s.MakeLeave(ctx, roomID, userID)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("federation: make_leave answered %d:\n%s", res.StatusCode, res)
	}
	leave, err := s.SignTemplate(res)
	if err != nil {
		return err
	}
	res, err = s.SendLeaveV2(ctx, leave)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("federation: send_leave answered %d:\n%s", res.StatusCode, res)
	}
	return nil
}

// SendTransaction sends PDUs and EDUs in one transaction
// (PUT /v1/send/{txnId}) with a fresh transaction ID.
func (s *Server) SendTransaction(ctx context.Context, pdus []*Event, edus []map[string]any, opts ...RequestOption) (*Response, error) {
	s.mu.Lock()
	s.txnSeq++
	txn := fmt.Sprintf("herald-%d-%d", time.Now().UnixMilli(), s.txnSeq)
	s.mu.Unlock()
	body := map[string]any{
		"origin":           s.Name(),
		"origin_server_ts": time.Now().UnixMilli(),
		"pdus":             eventsJSON(pdus),
	}
	if len(edus) > 0 {
		list := make([]any, len(edus))
		for i, e := range edus {
			list[i] = e
		}
		body["edus"] = list
	}
	return s.call(ctx, SendTxn, http.MethodPut, roomPath("v1", "send", txn), body, opts, nil)
}

// Send builds an event of p in room, applies it to the mock's room and
// sends it to the homeserver in a transaction. It fails unless the
// homeserver answers 200 without an error for the event.
func (r *Room) Send(ctx context.Context, p ProtoEvent) (*Event, error) {
	ev, err := r.NewEvent(p)
	if err != nil {
		return nil, err
	}
	if err := r.Apply(ev); err != nil {
		return nil, err
	}
	return ev, r.deliver(ctx, ev)
}

// deliver sends ev, an event of the room, to the homeserver in a
// transaction. It fails unless the homeserver answers 200 without an error
// for the event.
func (r *Room) deliver(ctx context.Context, ev *Event) error {
	res, err := r.server.SendTransaction(ctx, []*Event{ev}, nil)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("federation: sending %s: the homeserver answered %d:\n%s", ev, res.StatusCode, res)
	}
	body, err := res.Object()
	if err != nil {
		return fmt.Errorf("federation: sending %s: %w", ev, err)
	}
	pdus, _ := body.GetObject("pdus")
	if result, ok := pdus.GetObject(ev.ID); ok {
		if msg, bad := result.GetString("error"); bad {
			return fmt.Errorf("federation: the homeserver refused %s: %s", ev, msg)
		}
	}
	return nil
}

// Leave makes userID (a mock user in the room) leave by sending its leave
// event in a transaction, as a server in the room does.
func (r *Room) Leave(ctx context.Context, userID string) (*Event, error) {
	return r.Send(ctx, ProtoEvent{Type: "m.room.member", StateKey: StateKey(userID), Sender: userID, Content: map[string]any{"membership": "leave"}})
}

// GetEvent fetches one event (GET /v1/event/{eventId}).
func (s *Server) GetEvent(ctx context.Context, eventID string, opts ...RequestOption) (*Response, error) {
	return s.call(ctx, GetEvent, http.MethodGet, roomPath("v1", "event", eventID), nil, opts, nil)
}

// GetState fetches the state before an event (GET /v1/state/{roomId}).
func (s *Server) GetState(ctx context.Context, roomID, eventID string, opts ...RequestOption) (*Response, error) {
	return s.call(ctx, State, http.MethodGet, roomPath("v1", "state", roomID)+"?event_id="+url.QueryEscape(eventID), nil, opts, nil)
}

// GetStateIDs fetches the state IDs before an event (GET /v1/state_ids).
func (s *Server) GetStateIDs(ctx context.Context, roomID, eventID string, opts ...RequestOption) (*Response, error) {
	return s.call(ctx, StateIDs, http.MethodGet, roomPath("v1", "state_ids", roomID)+"?event_id="+url.QueryEscape(eventID), nil, opts, nil)
}

// Backfill asks for history before the given events (GET /v1/backfill).
func (s *Server) Backfill(ctx context.Context, roomID string, limit int, from []string, opts ...RequestOption) (*Response, error) {
	q := url.Values{"v": from, "limit": {strconv.Itoa(limit)}}
	return s.call(ctx, Backfill, http.MethodGet, roomPath("v1", "backfill", roomID)+"?"+q.Encode(), nil, opts, nil)
}

// ThirdPartyExchange is the body of exchange_third_party_invite
// (third_party_invite.yaml): the partial m.room.member invite of target in
// room, sent by sender, carrying the identity server's signed block.
func ThirdPartyExchange(room, sender, target, displayName string, signed matrix.Object) map[string]any {
	return map[string]any{
		"type": "m.room.member", "room_id": room, "sender": sender, "state_key": target,
		"content": map[string]any{"membership": "invite", "third_party_invite": map[string]any{
			"display_name": displayName, "signed": map[string]any(signed),
		}},
	}
}

// ExchangeThirdPartyInvite sends PUT /v1/exchange_third_party_invite with
// body (a partial m.room.member event, see ThirdPartyExchange).
func (s *Server) ExchangeThirdPartyInvite(ctx context.Context, roomID string, body map[string]any, opts ...RequestOption) (*Response, error) {
	return s.call(ctx, ExchangeThirdPartyInvite, http.MethodPut, roomPath("v1", "exchange_third_party_invite", roomID), body, opts, nil)
}

// QueryProfile asks the homeserver for a user's profile.
func (s *Server) QueryProfile(ctx context.Context, userID string, opts ...RequestOption) (*Response, error) {
	return s.call(ctx, QueryProfile, http.MethodGet, "/_matrix/federation/v1/query/profile?user_id="+url.QueryEscape(userID), nil, opts, nil)
}

// Version asks the homeserver for its name and version.
func (s *Server) Version(ctx context.Context, opts ...RequestOption) (*Response, error) {
	return s.call(ctx, Version, http.MethodGet, "/_matrix/federation/v1/version", nil, opts, nil)
}

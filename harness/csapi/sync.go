package csapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
)

// SyncRequest holds the query parameters of one /sync.
type SyncRequest struct {
	// Since is the next_batch of an earlier sync; empty for an initial sync.
	Since string
	// Filter is a filter ID or an inline JSON filter.
	Filter string
	// Timeout is how long the server may wait for something new (the
	// long-poll); zero asks for an immediate answer.
	Timeout time.Duration
	// FullState asks for the full state of every room even with Since.
	FullState bool
	// SetPresence is sent as set_presence when not empty.
	SetPresence string
}

// Sync sends one GET /sync. Its request timeout is the client's plus the
// long-poll timeout.
func (c *Client) Sync(ctx context.Context, req SyncRequest) (*Response, error) {
	opts := []RequestOption{Query("timeout", strconv.FormatInt(req.Timeout.Milliseconds(), 10))}
	if req.Since != "" {
		opts = append(opts, Query("since", req.Since))
	}
	if req.Filter != "" {
		opts = append(opts, Query("filter", req.Filter))
	}
	if req.FullState {
		opts = append(opts, Query("full_state", "true"))
	}
	if req.SetPresence != "" {
		opts = append(opts, Query("set_presence", req.SetPresence))
	}
	if c.timeout > 0 {
		opts = append(opts, Timeout(c.timeout+req.Timeout))
	}
	return c.request(ctx, "syncing", http.MethodGet, ClientPath("sync"), opts...)
}

// MustSync syncs once and returns the parsed answer; it fails the spec unless
// the server answers 200 with a next_batch.
func (c *Client) MustSync(ctx context.Context, req SyncRequest) *SyncResponse {
	ginkgo.GinkgoHelper()
	res, err := c.Sync(ctx, req)
	if !c.must(c.who()+" syncing", res, err, http.StatusOK, "next_batch") {
		return nil
	}
	sr, err := ParseSync(res)
	if !c.mustSucceed(c.who()+" syncing", err) {
		return nil
	}
	return sr
}

// SyncResponse is one /sync answer: the raw bytes, the whole body decoded,
// and accessors for the parts specs read most.
type SyncResponse struct {
	// Response is the exchange that carried this answer; Response.Body is
	// the raw JSON.
	Response *Response
	// NextBatch is the token for the next incremental sync.
	NextBatch string
	// Fields is the whole body decoded, numbers as json.Number.
	Fields map[string]any

	rooms syncRooms
}

type syncRooms struct {
	Join   map[string]syncRoom `json:"join"`
	Invite map[string]syncRoom `json:"invite"`
	Leave  map[string]syncRoom `json:"leave"`
	Knock  map[string]syncRoom `json:"knock"`
}

type syncRoom struct {
	State       eventList `json:"state"`
	Timeline    eventList `json:"timeline"`
	InviteState eventList `json:"invite_state"`
	KnockState  eventList `json:"knock_state"`
}

type eventList struct {
	Events []json.RawMessage `json:"events"`
}

// ParseSync reads a /sync answer, keeping each event's bytes as received.
func ParseSync(res *Response) (*SyncResponse, error) {
	sr := &SyncResponse{Response: res}
	if err := res.DecodeJSON(&sr.Fields); err != nil {
		return nil, err
	}
	var body struct {
		NextBatch string    `json:"next_batch"`
		Rooms     syncRooms `json:"rooms"`
	}
	if err := res.DecodeJSON(&body); err != nil {
		return nil, err
	}
	sr.NextBatch, sr.rooms = body.NextBatch, body.Rooms
	return sr, nil
}

// Raw returns the body exactly as the server sent it.
func (s *SyncResponse) Raw() []byte { return s.Response.Body }

// Get returns the value at a dotted path in the body, as Response.Get does.
func (s *SyncResponse) Get(path string) any { return s.Field(splitPath(path)...) }

// Field returns the value at the given keys, none of which is split: use it
// with room IDs, e.g. Field("rooms", "join", roomID, "timeline", "limited").
func (s *SyncResponse) Field(keys ...string) any {
	v, _ := lookup(s.Fields, keys)
	return v
}

// JoinedRooms returns the IDs under rooms.join, sorted.
func (s *SyncResponse) JoinedRooms() []string { return sortedKeys(s.rooms.Join) }

// InvitedRooms returns the IDs under rooms.invite, sorted.
func (s *SyncResponse) InvitedRooms() []string { return sortedKeys(s.rooms.Invite) }

// LeftRooms returns the IDs under rooms.leave, sorted.
func (s *SyncResponse) LeftRooms() []string { return sortedKeys(s.rooms.Leave) }

// InviteState returns rooms.invite[roomID].invite_state.events.
func (s *SyncResponse) InviteState(roomID string) []Event {
	return eventsOf(s.rooms.Invite[roomID].InviteState.Events)
}

// InviteStateEvent returns the event of that type and state key in
// rooms.invite[roomID].invite_state, if there is one.
func (s *SyncResponse) InviteStateEvent(roomID, eventType, stateKey string) (Event, bool) {
	return findEvent(s.InviteState(roomID), eventType, stateKey)
}

// Timeline returns the timeline events of roomID from rooms.join, or from
// rooms.leave if the room is not joined.
func (s *SyncResponse) Timeline(roomID string) []Event {
	return eventsOf(s.room(roomID).Timeline.Events)
}

// StateEvents returns the state events of roomID (the state before the
// timeline) from rooms.join, or from rooms.leave if the room is not joined.
func (s *SyncResponse) StateEvents(roomID string) []Event {
	return eventsOf(s.room(roomID).State.Events)
}

func (s *SyncResponse) room(roomID string) syncRoom {
	if r, ok := s.rooms.Join[roomID]; ok {
		return r
	}
	return s.rooms.Leave[roomID]
}

// Membership returns userID's membership in roomID as this response shows it
// (the latest m.room.member event in the room's timeline, state, or invite
// state), or "" if it shows none.
func (s *SyncResponse) Membership(roomID, userID string) string {
	for _, evs := range [][]json.RawMessage{
		s.room(roomID).Timeline.Events,
		s.room(roomID).State.Events,
		s.rooms.Invite[roomID].InviteState.Events,
	} {
		if ev, ok := findEvent(eventsOf(evs), "m.room.member", userID); ok {
			return ev.Membership()
		}
	}
	return ""
}

// Summary describes the response in one line: its token and, per section,
// each room with the types of its events.
func (s *SyncResponse) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "next_batch %q", s.NextBatch)
	sections := []struct {
		name  string
		rooms map[string]syncRoom
	}{{"join", s.rooms.Join}, {"invite", s.rooms.Invite}, {"leave", s.rooms.Leave}, {"knock", s.rooms.Knock}}
	empty := true
	for _, sec := range sections {
		for _, id := range sortedKeys(sec.rooms) {
			r := sec.rooms[id]
			empty = false
			fmt.Fprintf(&b, "; %s %s", sec.name, id)
			for _, part := range []struct {
				name string
				evs  []json.RawMessage
			}{{"state", r.State.Events}, {"timeline", r.Timeline.Events}, {"invite_state", r.InviteState.Events}, {"knock_state", r.KnockState.Events}} {
				if len(part.evs) > 0 {
					fmt.Fprintf(&b, " %s[%s]", part.name, EventTypes(eventsOf(part.evs)))
				}
			}
		}
	}
	if empty {
		b.WriteString("; no rooms")
	}
	return b.String()
}

// EventTypes lists events for a message: type(state_key)=membership for a
// member event, type(state_key) for another state event, type otherwise.
func EventTypes(evs []Event) string {
	parts := make([]string, len(evs))
	for i, ev := range evs {
		parts[i] = ev.Type()
		if ev.IsState() {
			parts[i] += "(" + ev.StateKey() + ")"
		}
		if m := ev.Membership(); m != "" {
			parts[i] += "=" + m
		}
	}
	return strings.Join(parts, " ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

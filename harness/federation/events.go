package federation

import (
	"fmt"

	"herald/harness/matrix"
)

// Event is a PDU of some room version, kept as its JSON fields (never
// re-encoded through structs, so hashes and signatures stay valid).
type Event struct {
	// ID is the event ID: the event_id field in rooms v1/v2, the
	// reference hash from v3.
	ID string
	// Version is the room version the event belongs to.
	Version matrix.RoomVersion
	// Fields is the event as sent on the wire.
	Fields matrix.Object
}

// NewEventFromJSON parses a PDU of room version rv and computes its ID.
func NewEventFromJSON(rv matrix.RoomVersion, data []byte) (*Event, error) {
	obj, err := matrix.ParseObject(data)
	if err != nil {
		return nil, err
	}
	return NewEventFromObject(rv, obj)
}

// NewEventFromObject wraps a PDU of room version rv and computes its ID.
func NewEventFromObject(rv matrix.RoomVersion, obj matrix.Object) (*Event, error) {
	id, err := rv.EventID(obj)
	if err != nil {
		return nil, err
	}
	return &Event{ID: id, Version: rv, Fields: obj}, nil
}

// Type is the event type.
func (e *Event) Type() string { s, _ := e.Fields.GetString("type"); return s }

// Sender is the sender's user ID.
func (e *Event) Sender() string { s, _ := e.Fields.GetString("sender"); return s }

// RoomID is the room_id field ("" for a v12 create event).
func (e *Event) RoomID() string { s, _ := e.Fields.GetString("room_id"); return s }

// StateKey returns the state key and whether the event is a state event.
func (e *Event) StateKey() (string, bool) {
	s, ok := e.Fields.GetString("state_key")
	return s, ok
}

// IsState reports whether the event has a state key.
func (e *Event) IsState() bool { _, ok := e.StateKey(); return ok }

// Content is the event content (an empty object if missing).
func (e *Event) Content() matrix.Object {
	c, ok := e.Fields.GetObject("content")
	if !ok {
		return matrix.Object{}
	}
	return c
}

// Membership is content.membership of a member event.
func (e *Event) Membership() string { s, _ := e.Content().GetString("membership"); return s }

// Depth is the depth field.
func (e *Event) Depth() int64 { d, _ := e.Fields.GetInt("depth"); return d }

// PrevEvents lists the IDs in prev_events.
func (e *Event) PrevEvents() []string {
	ids, _ := e.Version.EventRefs(e.Fields, "prev_events")
	return ids
}

// AuthEvents lists the IDs in auth_events.
func (e *Event) AuthEvents() []string {
	ids, _ := e.Version.EventRefs(e.Fields, "auth_events")
	return ids
}

// JSON is the event encoded for the wire (canonical JSON).
func (e *Event) JSON() []byte {
	b, err := e.Fields.Encode()
	if err != nil {
		panic(fmt.Sprintf("federation: encoding event %s: %v", e.ID, err))
	}
	return b
}

// Clone is a deep copy.
func (e *Event) Clone() *Event {
	return &Event{ID: e.ID, Version: e.Version, Fields: e.Fields.Clone()}
}

// String is "type(state_key) by sender: id".
func (e *Event) String() string {
	s := e.Type()
	if k, ok := e.StateKey(); ok {
		s += "(" + k + ")"
	}
	return s + " by " + e.Sender() + ": " + e.ID
}

// GomegaString shows the event's JSON in failure messages.
func (e *Event) GomegaString() string { return e.String() + "\n" + string(e.JSON()) }

// ref is the value listing e in prev_events or auth_events.
func (e *Event) ref() (any, error) {
	if !e.Version.EventRefPairs {
		return e.ID, nil
	}
	sum, err := e.Version.ReferenceHash(e.Fields)
	if err != nil {
		return nil, err
	}
	return e.Version.EventRef(e.ID, sum), nil
}

// stateKeyOf is the (type, state_key) pair a state event fills.
type stateKeyOf struct{ Type, StateKey string }

func (e *Event) key() stateKeyOf { k, _ := e.StateKey(); return stateKeyOf{e.Type(), k} }

// ProtoEvent describes an event for a room to build: the room fills
// room_id, prev_events, auth_events, depth, origin_server_ts and (before
// v11) origin, then hashes, signs and IDs it as the mock.
type ProtoEvent struct {
	Type     string
	StateKey *string
	Sender   string
	Content  map[string]any
	// Extra sets other top-level fields (redacts, unsigned, or anything a
	// spec needs to be wrong), applied last before hashing.
	Extra map[string]any
}

// StateKey returns a pointer to k, for ProtoEvent.StateKey.
func StateKey(k string) *string { return &k }

// Without is ev without field, hashed and signed again by s (with a new
// ID where the room version derives it): an event that lacks a field its
// format requires and is otherwise valid.
func (s *Server) Without(ev *Event, field string) (*Event, error) {
	obj := ev.Fields.Clone()
	delete(obj, field)
	delete(obj, "hashes")
	delete(obj, "signatures")
	if err := s.Signer().HashAndSignEvent(ev.Version, obj); err != nil {
		return nil, fmt.Errorf("federation: signing an event without %s: %w", field, err)
	}
	return NewEventFromObject(ev.Version, obj)
}

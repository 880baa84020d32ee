package csapi

import (
	"encoding/json"
)

// Event is one event as a server returned it: its bytes, unchanged, and the
// same decoded (numbers as json.Number).
type Event struct {
	Raw json.RawMessage
	// Fields is the decoded event, nil if Raw is not a JSON object.
	Fields map[string]any
}

// ParseEvent decodes raw, keeping it as is.
func ParseEvent(raw []byte) (Event, error) {
	ev := Event{Raw: json.RawMessage(raw)}
	if err := decodeJSON(raw, &ev.Fields); err != nil {
		return ev, err
	}
	return ev, nil
}

// MarshalJSON encodes the event as the server sent it.
func (e Event) MarshalJSON() ([]byte, error) {
	if e.Raw == nil {
		return []byte("null"), nil
	}
	return e.Raw, nil
}

// eventsOf parses each raw event; one that is not an object keeps its bytes
// and has nil Fields.
func eventsOf(raws []json.RawMessage) []Event {
	evs := make([]Event, 0, len(raws))
	for _, raw := range raws {
		ev, _ := ParseEvent(raw)
		evs = append(evs, ev)
	}
	return evs
}

// Type returns the event type.
func (e Event) Type() string { return stringAt(e.Fields, "type") }

// StateKey returns the state key ("" for a non-state event; see IsState).
func (e Event) StateKey() string { return stringAt(e.Fields, "state_key") }

// IsState reports whether the event has a state key.
func (e Event) IsState() bool {
	_, ok := e.Fields["state_key"].(string)
	return ok
}

// Sender returns the sender's user ID.
func (e Event) Sender() string { return stringAt(e.Fields, "sender") }

// ID returns the event ID, if the event carries one.
func (e Event) ID() string { return stringAt(e.Fields, "event_id") }

// RoomID returns the room ID, if the event carries one.
func (e Event) RoomID() string { return stringAt(e.Fields, "room_id") }

// Content returns the content object, or nil.
func (e Event) Content() map[string]any {
	m, _ := e.Fields["content"].(map[string]any)
	return m
}

// Membership returns content.membership (for m.room.member events).
func (e Event) Membership() string { return stringAt(e.Fields, "content", "membership") }

// Get returns the value at a dotted path in the event, as Response.Get does.
func (e Event) Get(path string) any {
	v, _ := lookup(e.Fields, splitPath(path))
	return v
}

// String returns the event's JSON as received.
func (e Event) String() string { return string(e.Raw) }

// findEvent returns the last event with the given type and state key.
func findEvent(evs []Event, evType, stateKey string) (Event, bool) {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type() == evType && evs[i].IsState() && evs[i].StateKey() == stateKey {
			return evs[i], true
		}
	}
	return Event{}, false
}

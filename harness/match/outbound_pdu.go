package match

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// OutboundBeFullPDU matches an entry of invite_room_state that is a full
// event of room version rv in room roomID, as invites-v1.yaml and
// invites-v2.yaml require since v1.16 ("All events listed MUST
// additionally be formatted according to the room version
// specification"), checked the way a receiver validates it: every field
// the version's PDU format requires, with its JSON type (pdu_v1.yaml …
// pdu_v12.yaml); hashes.sha256 equal to the content hash; an event ID the
// version can compute, well formed; the event in roomID (a v12 create
// event by the room ID it defines); and a valid signature by every server
// that must sign it whose keys are given. A stripped state event fails
// with the list of what it lacks.
//
//	Expect(entry).To(match.OutboundBeFullPDU(rv, roomID, hsKeys))
func OutboundBeFullPDU(rv matrix.RoomVersion, roomID string, keys ...*matrix.ServerKeys) types.GomegaMatcher {
	return &outboundPDUMatcher{rv: rv, roomID: roomID, keys: keys}
}

type outboundPDUMatcher struct {
	rv       matrix.RoomVersion
	roomID   string
	keys     []*matrix.ServerKeys
	event    matrix.Object
	problems []string
}

// outboundPDUFields are the fields every PDU requires
// (definitions/components/pdu_base.yaml, auth_events and prev_events from
// each version's schema), with their JSON kind.
var outboundPDUFields = []struct{ name, kind string }{
	{"type", "string"}, {"sender", "string"}, {"content", "object"},
	{"origin_server_ts", "integer"}, {"depth", "integer"},
	{"hashes", "object"}, {"signatures", "object"},
	{"auth_events", "array"}, {"prev_events", "array"},
}

func (m *outboundPDUMatcher) Match(actual any) (bool, error) {
	event, err := objectOf(actual)
	if err != nil {
		return false, err
	}
	m.event, m.problems = event, nil
	badf := func(format string, args ...any) { m.problems = append(m.problems, fmt.Sprintf(format, args...)) }

	for _, f := range outboundPDUFields {
		if kind := outboundKind(event, f.name); kind != f.kind {
			badf("%s: want %s, got %s", f.name, f.kind, kind)
		}
	}
	for _, field := range []string{"auth_events", "prev_events"} {
		if _, ok := event[field].([]any); ok {
			if _, err := m.rv.EventRefs(event, field); err != nil {
				badf("%s: %v", field, err)
			}
		}
	}
	if m.rv.EventIDFormat == matrix.EventIDOpaque {
		if kind := outboundKind(event, "event_id"); kind != "string" {
			badf("event_id: want string (room v%s events carry their ID), got %s", m.rv.ID, kind)
		}
	}
	typ, _ := event.GetString("type")
	isV12Create := m.rv.RoomIDFromCreateEvent && typ == "m.room.create"
	switch roomID, present := event.GetString("room_id"); {
	case isV12Create && event.Has("room_id"):
		badf("room_id: a room v%s create event has none (the room ID is derived from it)", m.rv.ID)
	case isV12Create:
		if derived, err := m.rv.CreateEventRoomID(event); err != nil {
			badf("room: %v", err)
		} else if derived != m.roomID {
			badf("room: the create event defines room %s, not %s", derived, m.roomID)
		}
	case !present:
		badf("room_id: want string, got %s", outboundKind(event, "room_id"))
	case roomID != m.roomID:
		badf("room_id: %s, not the invite's room %s", roomID, m.roomID)
	}
	if err := m.rv.CheckContentHash(event); err != nil {
		badf("hashes: %v", err)
	}
	id, err := m.rv.EventID(event)
	if err != nil {
		badf("event ID: %v", err)
	} else if err := m.rv.CheckEventIDFormat(id); err != nil {
		badf("event ID: %v", err)
	}
	m.checkSignatures(event, badf)
	return len(m.problems) == 0, nil
}

// checkSignatures verifies the signature of each required signer whose
// key document was given.
func (m *outboundPDUMatcher) checkSignatures(event matrix.Object, badf func(string, ...any)) {
	signers, err := m.rv.RequiredSigners(event)
	if err != nil {
		badf("signatures: %v", err)
		return
	}
	for _, server := range signers {
		i := slices.IndexFunc(m.keys, func(k *matrix.ServerKeys) bool { return k != nil && k.ServerName == server })
		if i < 0 {
			continue
		}
		ids := matrix.SignatureKeyIDs(event, server)
		if len(ids) == 0 {
			badf("signatures: none by %s", server)
			continue
		}
		for _, id := range ids {
			if !strings.HasPrefix(id, "ed25519:") {
				continue
			}
			key, ok := m.keys[i].Key(id)
			if !ok {
				badf("signatures: %s signed with %s, which it does not publish", server, id)
				continue
			}
			if err := m.rv.VerifyEventSignature(event, server, id, key); err != nil {
				badf("signatures: %v", err)
			}
		}
	}
}

func (m *outboundPDUMatcher) FailureMessage(any) string {
	typ, _ := m.event.GetString("type")
	return fmt.Sprintf("expected a full room v%s event of room %s (invites-v2.yaml invite_room_state: \"All events listed MUST additionally be formatted according to the room version specification\"), but the %q entry is not:\n    %s\nthe entry: %s\n%s",
		m.rv.ID, m.roomID, typ, strings.Join(m.problems, "\n    "), outboundShow(m.event),
		// Without the entry's type: servers list invite_room_state in no set order.
		observed("not a full event: "+strings.Join(m.problems, "; ")))
}

func (m *outboundPDUMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected the entry not to be a full room v%s event of %s, but it is: %s", m.rv.ID, m.roomID, outboundShow(m.event))
}

// outboundKind names the JSON kind of event[field] ("missing" if absent).
func outboundKind(event matrix.Object, field string) string {
	v, ok := event[field]
	if !ok {
		return "missing"
	}
	switch x := v.(type) {
	case string:
		return "string"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case bool:
		return "boolean"
	case nil:
		return "null"
	default:
		if _, isInt := event.GetInt(field); isInt {
			return "integer"
		}
		return fmt.Sprintf("number (%v)", x)
	}
}

// outboundShow renders a JSON value on one line for the outbound
// matchers, which show whole events: cut later than showJSON.
func outboundShow(v any) string { return showJSONCut(v, 800) }

// OutboundBeFullInviteState matches the invite_room_state value of an
// invite request body (the raw JSON value, nil when absent) that is a
// non-empty array whose every entry OutboundBeFullPDU matches. An absent,
// empty or non-array value fails: the list "MUST contain the m.room.create
// event for the room", so there is always an entry whose format to judge.
//
//	Expect(body["invite_room_state"]).To(match.OutboundBeFullInviteState(rv, roomID, hsKeys))
func OutboundBeFullInviteState(rv matrix.RoomVersion, roomID string, keys ...*matrix.ServerKeys) types.GomegaMatcher {
	return &outboundStateListMatcher{each: outboundPDUMatcher{rv: rv, roomID: roomID, keys: keys}}
}

type outboundStateListMatcher struct {
	// each is what every entry must be.
	each outboundPDUMatcher
	// why is the list's own fault; failed, the first entry's that failed.
	why    string
	failed *outboundPDUMatcher
	item   any
}

func (m *outboundStateListMatcher) Match(actual any) (bool, error) {
	m.why, m.failed, m.item = "", nil, nil
	if actual == nil {
		m.why = "invite_room_state is absent"
		return false, nil
	}
	list, ok := eventList(actual)
	if !ok {
		m.why = fmt.Sprintf("invite_room_state is %s, not an array", outboundShow(actual))
		return false, nil
	}
	if len(list) == 0 {
		m.why = "invite_room_state is empty"
		return false, nil
	}
	for _, item := range list {
		pdu := m.each
		if _, isObj := asMap(item); !isObj {
			m.why = fmt.Sprintf("invite_room_state has %s, not an event", outboundShow(item))
			return false, nil
		}
		ok, err := pdu.Match(item)
		if err != nil {
			return false, err
		}
		if !ok {
			m.failed, m.item = &pdu, item
			return false, nil
		}
	}
	return true, nil
}

func (m *outboundStateListMatcher) FailureMessage(actual any) string {
	if m.failed != nil {
		return m.failed.FailureMessage(m.item)
	}
	return fmt.Sprintf("expected invite_room_state to list full room v%s events of room %s (invites-v2.yaml: it \"MUST contain the m.room.create event for the room. All events listed MUST additionally be formatted according to the room version specification\"), but %s\n%s",
		m.each.rv.ID, m.each.roomID, m.why, observed(m.why))
}

func (m *outboundStateListMatcher) NegatedFailureMessage(any) string {
	return "expected invite_room_state not to list full events only, but it does"
}

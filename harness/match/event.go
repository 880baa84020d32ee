package match

import (
	"fmt"

	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// EqualExceptSignaturesOf matches an event that equals sent in every field
// except the signatures of server (which may be added or replaced) and
// unsigned: what invites-v1.yaml and invites-v2.yaml ask of an invited
// server ("the event with the invited server's signature added. All other
// fields of the events should remain untouched"). unsigned is left to
// KeepUnsignedOf, because the 200 example of invites-v2.yaml itself returns
// the event with unsigned.invite_room_state added. Its failure message
// names each field that changed, with the sent and the returned value.
//
//	Expect(returned).To(match.EqualExceptSignaturesOf(sent, hs.ServerName))
func EqualExceptSignaturesOf(sent matrix.Object, server string) types.GomegaMatcher {
	return &untouchedMatcher{sent: sent, server: server}
}

type untouchedMatcher struct {
	sent    matrix.Object
	server  string
	changes []change
}

func (m *untouchedMatcher) Match(actual any) (bool, error) {
	got, err := objectOf(actual)
	if err != nil {
		return false, err
	}
	sent, returned := withoutSignaturesOf(m.sent, m.server), withoutSignaturesOf(got, m.server)
	delete(sent, "unsigned")
	delete(returned, "unsigned")
	// An object left empty by the removal is no change when the other side
	// has no signatures at all.
	dropEmptySignatures(sent, returned)
	dropEmptySignatures(returned, sent)
	m.changes = diffJSON("", sent, returned)
	return len(m.changes) == 0, nil
}

// withoutSignaturesOf is a copy of event without server's signatures.
func withoutSignaturesOf(event matrix.Object, server string) matrix.Object {
	c := event.Clone()
	if sigs, ok := c.GetObject("signatures"); ok {
		delete(sigs, server)
	}
	return c
}

func dropEmptySignatures(event, other matrix.Object) {
	if sigs, ok := event.GetObject("signatures"); ok && len(sigs) == 0 && !other.Has("signatures") {
		delete(event, "signatures")
	}
}

func (m *untouchedMatcher) FailureMessage(any) string {
	return fmt.Sprintf("expected the event back with only %s's signature added (unsigned aside), but %d field(s) changed:\n%s"+
		"(the spec: \"All other fields of the events should remain untouched\")\n%s",
		m.server, len(m.changes), describeChanges(m.changes), observed(changedFields(m.changes)))
}

func (m *untouchedMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected the event to differ from the one sent in more than %s's signatures, but it does not", m.server)
}

// HaveEventID matches an event whose ID in room version rv is id: the
// event_id field in rooms v1 and v2, the reference hash from v3 on (so
// any change to a field the reference hash covers changes it).
func HaveEventID(rv matrix.RoomVersion, id string) types.GomegaMatcher {
	return &eventIDMatcher{rv: rv, want: id}
}

type eventIDMatcher struct {
	rv   matrix.RoomVersion
	want string
	got  string
	err  error
}

func (m *eventIDMatcher) Match(actual any) (bool, error) {
	obj, err := objectOf(actual)
	if err != nil {
		return false, err
	}
	m.got, m.err = m.rv.EventID(obj)
	return m.err == nil && m.got == m.want, nil
}

func (m *eventIDMatcher) how() string {
	if m.rv.EventIDFormat == matrix.EventIDOpaque {
		return "its event_id field"
	}
	return "computed from its reference hash"
}

func (m *eventIDMatcher) FailureMessage(any) string {
	if m.err != nil {
		return fmt.Sprintf("expected the event to have ID %s (room v%s, %s), but it has none: %v", m.want, m.rv.ID, m.how(), m.err)
	}
	return fmt.Sprintf("expected the event to have ID %s (room v%s, %s), got %s: a field the ID covers changed", m.want, m.rv.ID, m.how(), m.got)
}

func (m *eventIDMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected the event not to have ID %s (room v%s)", m.want, m.rv.ID)
}

// HaveValidContentHash matches an event whose hashes.sha256 is its
// content hash in room version rv (server-server-api.md "Calculating the
// content hash for an event").
func HaveValidContentHash(rv matrix.RoomVersion) types.GomegaMatcher {
	return &contentHashMatcher{rv: rv}
}

type contentHashMatcher struct {
	rv    matrix.RoomVersion
	event matrix.Object
	err   error
}

func (m *contentHashMatcher) Match(actual any) (bool, error) {
	obj, err := objectOf(actual)
	if err != nil {
		return false, err
	}
	m.event = obj
	m.err = m.rv.CheckContentHash(obj)
	return m.err == nil, nil
}

func (m *contentHashMatcher) FailureMessage(any) string {
	return fmt.Sprintf("expected the event's hashes.sha256 to be its content hash (room v%s): %v\nthe event: %s", m.rv.ID, m.err, showJSON(m.event))
}

func (m *contentHashMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected the event's content hash not to match (room v%s), but it does", m.rv.ID)
}

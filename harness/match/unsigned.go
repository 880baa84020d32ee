package match

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// KeepUnsignedOf matches an invite returned by an invited server whose
// unsigned is the sent event's, with one change the spec shows itself: the
// 200 example of invites-v2.yaml (in the seed and in v1.16) returns the
// event with unsigned.invite_room_state added, holding the
// invite_room_state the request carried. So unsigned may gain
// invite_room_state when the sent event had none, holding exactly the
// entries of state (each whole, or stripped to type, state_key, sender and
// content); every other member of unsigned stays as sent ("All other fields
// of the events should remain untouched"). An empty unsigned where none was
// sent carries nothing, so it is no change here.
//
//	Expect(returned).To(match.KeepUnsignedOf(sent, bodyState))
func KeepUnsignedOf(sent matrix.Object, state []matrix.Object) types.GomegaMatcher {
	return &unsignedMatcher{sent: sent, state: state}
}

type unsignedMatcher struct {
	sent     matrix.Object
	state    []matrix.Object
	problems []string
	kinds    []string
}

const inviteRoomState = "invite_room_state"

func (m *unsignedMatcher) Match(actual any) (bool, error) {
	got, err := objectOf(actual)
	if err != nil {
		return false, err
	}
	m.problems, m.kinds = nil, nil
	badf := func(kind, format string, args ...any) {
		m.problems = append(m.problems, fmt.Sprintf(format, args...))
		m.kinds = append(m.kinds, kind)
	}
	sentU, _ := m.sent.GetObject("unsigned")
	gotU, isObj := got.GetObject("unsigned")
	if raw, present := got["unsigned"]; present && !isObj {
		badf("unsigned (not an object)", "unsigned is %s, not an object", showJSON(raw))
		return false, nil
	}
	for _, c := range diffJSON("unsigned", without(sentU, inviteRoomState), without(gotU, inviteRoomState)) {
		badf(strings.TrimPrefix(changedFields([]change{c}), "changed "), "%s", c)
	}
	sentState, sentHas := sentU[inviteRoomState]
	gotState, gotHas := gotU[inviteRoomState]
	switch {
	case sentHas && !gotHas:
		badf("unsigned.invite_room_state (removed)", "unsigned.invite_room_state: removed (sent %s)", showJSON(sentState))
	case sentHas:
		list, _ := sentState.([]any)
		m.sameEntries(badf, gotState, objects(list), "the sent unsigned.invite_room_state")
	case gotHas:
		m.sameEntries(badf, gotState, m.state, "the request's invite_room_state")
	}
	return len(m.problems) == 0, nil
}

// sameEntries checks that got lists exactly the entries of want, in any
// order, each whole or stripped.
func (m *unsignedMatcher) sameEntries(badf func(kind, format string, args ...any), got any, want []matrix.Object, what string) {
	list, ok := got.([]any)
	if !ok {
		badf("unsigned.invite_room_state (not an array)", "unsigned.invite_room_state is %s, not an array", showJSON(got))
		return
	}
	used := make([]bool, len(list))
	for _, w := range want {
		found := false
		for i, item := range list {
			if !used[i] && (sameJSON(item, w) || sameJSON(item, strippedOf(w))) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t, _ := w.GetString("type")
			k, _ := w.GetString("state_key")
			badf("unsigned.invite_room_state (entry missing or changed)", "unsigned.invite_room_state has no entry equal to %s(%q) of %s, whole or stripped: %s", t, k, what, showJSON(map[string]any(w)))
		}
	}
	for i, item := range list {
		if !used[i] {
			badf("unsigned.invite_room_state (entry not sent)", "unsigned.invite_room_state has %s, which is not in %s", showJSON(item), what)
		}
	}
}

// strippedOf is the stripped state event of ev: its type, state_key,
// sender and content (stripped_state.yaml).
func strippedOf(ev matrix.Object) map[string]any {
	out := map[string]any{}
	for _, k := range strippedFields {
		if v, ok := ev[k]; ok {
			out[k] = v
		}
	}
	return out
}

// without is a copy of o without key (an empty object for nil).
func without(o matrix.Object, key string) map[string]any {
	out := map[string]any{}
	for k, v := range o {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// objects keeps the JSON objects of a list (other items are dropped: a
// sent list holds objects only).
func objects(list []any) []matrix.Object {
	var out []matrix.Object
	for _, item := range list {
		if o, ok := asMap(item); ok {
			out = append(out, o)
		}
	}
	return out
}

func (m *unsignedMatcher) FailureMessage(any) string {
	kinds := slices.Compact(slices.Sorted(slices.Values(m.kinds)))
	return fmt.Sprintf("expected unsigned as sent, or with invite_room_state added holding the request's invite_room_state (as the 200 example does), but:\n    %s\n"+
		"(the spec: \"All other fields of the events should remain untouched\")\n%s",
		strings.Join(m.problems, "\n    "), observed("changed "+strings.Join(kinds, ", ")))
}

func (m *unsignedMatcher) NegatedFailureMessage(any) string {
	return "expected unsigned to differ from what was sent, but it is kept"
}

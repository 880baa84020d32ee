package match

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// ContainStrippedStateOf matches the invite_state events of a /sync answer
// (any value that encodes as a JSON array of events) that holds, for every event
// in sent, a stripped state event with the same type, state_key, sender
// and content: the state an inviting server sent in invite_room_state,
// "translated as stripped state events over the Client-Server API"
// (invites-v2.yaml). sent may be full PDUs or stripped events; only those
// four fields are compared. Extra events in the invite state are fine.
func ContainStrippedStateOf(sent []matrix.Object) types.GomegaMatcher {
	return &strippedMatcher{sent: sent}
}

type strippedMatcher struct {
	sent     []matrix.Object
	problems []string
	got      []matrix.Object
}

var strippedFields = []string{"type", "state_key", "sender", "content"}

func (m *strippedMatcher) Match(actual any) (bool, error) {
	got, err := objectsOf(actual)
	if err != nil {
		return false, fmt.Errorf("match: ContainStrippedStateOf expects the events of an invite_state: %w", err)
	}
	m.got, m.problems = got, nil
	for _, want := range m.sent {
		typ, _ := want.GetString("type")
		key, _ := want.GetString("state_key")
		name := fmt.Sprintf("%s(%q)", typ, key)
		var found matrix.Object
		for _, ev := range got {
			gotType, _ := ev.GetString("type")
			gotKey, isState := ev.GetString("state_key")
			if gotType == typ && isState && gotKey == key {
				found = ev
				break
			}
		}
		if found == nil {
			m.problems = append(m.problems, name+": missing")
			continue
		}
		for _, f := range strippedFields[2:] {
			if changes := diffJSON(f, want[f], found[f]); len(changes) > 0 {
				for _, c := range changes {
					m.problems = append(m.problems, name+": "+c.String())
				}
			}
		}
	}
	return len(m.problems) == 0, nil
}

func (m *strippedMatcher) FailureMessage(any) string {
	var have []string
	for _, ev := range m.got {
		typ, _ := ev.GetString("type")
		key, _ := ev.GetString("state_key")
		have = append(have, fmt.Sprintf("%s(%q)", typ, key))
	}
	return fmt.Sprintf("expected the invite state to hold the %d state event(s) the inviting server sent (type, state_key, sender, content), but:\n    %s\nthe invite state has: %s\n%s",
		len(m.sent), strings.Join(m.problems, "\n    "), strings.Join(have, ", "),
		observed("invite state: "+strings.Join(m.problems, "; ")))
}

func (m *strippedMatcher) NegatedFailureMessage(any) string {
	return "expected the invite state not to hold the state the inviting server sent, but it does"
}

// HaveOnlyStrippedKeys matches the invite_state events of a /sync answer
// (any value that encodes as a JSON array of events) when every event
// carries no key but type, state_key, sender and content: "Stripped state
// events can only have the sender, type, state_key and content properties
// present" (client-server-api §Stripped state), so a server that received
// full PDUs over federation must prune them, and its own events too, before
// a client sees them. An empty list does not match: there is nothing to
// judge, and an invite state is never empty (it holds at least the
// invitee's membership).
func HaveOnlyStrippedKeys() types.GomegaMatcher { return &strippedKeysMatcher{} }

type strippedKeysMatcher struct {
	got      []matrix.Object
	problems []string // one per event with extra keys: type(state_key): keys
	kinds    []string // the same, by type only, for the fingerprint
}

func (m *strippedKeysMatcher) Match(actual any) (bool, error) {
	var got []matrix.Object
	var err error
	if b, jerr := json.Marshal(actual); jerr != nil || string(b) != "null" { // a nil slice: no events
		got, err = objectsOf(actual)
	}
	if err != nil {
		return false, fmt.Errorf("match: HaveOnlyStrippedKeys expects the events of an invite_state: %w", err)
	}
	m.got, m.problems, m.kinds = got, nil, nil
	seen := map[string]bool{}
	for _, ev := range got {
		var extra []string
		for k := range ev {
			if !slices.Contains(strippedFields, k) {
				extra = append(extra, k)
			}
		}
		if len(extra) == 0 {
			continue
		}
		sort.Strings(extra)
		typ, _ := ev.GetString("type")
		key, _ := ev.GetString("state_key")
		m.problems = append(m.problems, fmt.Sprintf("%s(%q) has %s", typ, key, strings.Join(extra, ", ")))
		if kind := typ + " has " + strings.Join(extra, ", "); !seen[kind] {
			seen[kind] = true
			m.kinds = append(m.kinds, kind)
		}
	}
	sort.Strings(m.kinds)
	return len(got) > 0 && len(m.problems) == 0, nil
}

func (m *strippedKeysMatcher) FailureMessage(any) string {
	if len(m.got) == 0 {
		return "expected the invite state's events to carry only type, state_key, sender and content, but the invite state holds no events to judge\n" +
			observed("invite state holds no events")
	}
	return fmt.Sprintf("expected every invite state event to carry only type, state_key, sender and content (stripped state), but %d of its %d events carry more:\n    %s\nthe invite state:\n    %s\n%s",
		len(m.problems), len(m.got), strings.Join(m.problems, "\n    "), showJSONCut(objectsJSON(m.got), 4000),
		observed("invite state events carry keys beyond the stripped four: "+strings.Join(m.kinds, "; ")))
}

func (m *strippedKeysMatcher) NegatedFailureMessage(any) string {
	return "expected some invite state event to carry a key beyond type, state_key, sender and content, but none does"
}

// objectsJSON is a list of objects as one JSON value, for showJSON.
func objectsJSON(objs []matrix.Object) []any {
	out := make([]any, len(objs))
	for i, o := range objs {
		out[i] = map[string]any(o)
	}
	return out
}

package match

import (
	"fmt"
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

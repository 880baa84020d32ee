package match

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// OutboundHoldStateEvent matches an invite_room_state list (the []any of
// a request body, or []matrix.Object) holding an object with the given type
// and state_key, stripped or full. Its failure message lists what the
// list holds.
//
//	Expect(state).To(match.OutboundHoldStateEvent("m.room.create", ""))
func OutboundHoldStateEvent(eventType, stateKey string) types.GomegaMatcher {
	return &outboundStateMatcher{eventType: eventType, stateKey: stateKey}
}

type outboundStateMatcher struct {
	eventType, stateKey string
	have                []string
}

func (m *outboundStateMatcher) Match(actual any) (bool, error) {
	list, ok := eventList(actual)
	if !ok {
		return false, fmt.Errorf("match: OutboundHoldStateEvent expects a list of state events ([]any or []matrix.Object), got %T", actual)
	}
	m.have = nil
	found := false
	for i, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			m.have = append(m.have, fmt.Sprintf("#%d: not an object", i))
			continue
		}
		typ, _ := matrix.Object(obj).GetString("type")
		key, hasKey := matrix.Object(obj).GetString("state_key")
		m.have = append(m.have, fmt.Sprintf("%s(%q)", typ, key))
		if typ == m.eventType && hasKey && key == m.stateKey {
			found = true
		}
	}
	return found, nil
}

func (m *outboundStateMatcher) what() string { return fmt.Sprintf("%s(%q)", m.eventType, m.stateKey) }

func (m *outboundStateMatcher) FailureMessage(any) string {
	have := "nothing"
	if len(m.have) > 0 {
		have = strings.Join(m.have, ", ")
	}
	return fmt.Sprintf("expected the state to hold %s, but it holds %s", m.what(), have)
}

func (m *outboundStateMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected the state not to hold %s, but it does (%s)", m.what(), strings.Join(m.have, ", "))
}

// OutboundHoldEveryStateEvent matches an invite_room_state list (as
// OutboundHoldStateEvent takes it) holding an event with an empty
// state_key of each of eventTypes: a list the spec names is checked in
// full. Its failure message names every type missing.
//
//	Expect(state).To(match.OutboundHoldEveryStateEvent("m.room.avatar", "m.room.name"))
func OutboundHoldEveryStateEvent(eventTypes ...string) types.GomegaMatcher {
	return &outboundEveryStateMatcher{eventTypes: eventTypes}
}

type outboundEveryStateMatcher struct {
	eventTypes []string
	missing    []string
	have       string
}

func (m *outboundEveryStateMatcher) Match(actual any) (bool, error) {
	m.missing, m.have = nil, ""
	for _, t := range m.eventTypes {
		one := &outboundStateMatcher{eventType: t}
		ok, err := one.Match(actual)
		if err != nil {
			return false, err
		}
		if !ok {
			m.missing = append(m.missing, one.what())
		}
		m.have = strings.Join(one.have, ", ")
	}
	return len(m.missing) == 0, nil
}

func (m *outboundEveryStateMatcher) FailureMessage(any) string {
	have := m.have
	if have == "" {
		have = "nothing"
	}
	return fmt.Sprintf("expected the state to hold %s, but it lacks %s (it holds %s)\n%s",
		strings.Join(m.eventTypes, ", "), strings.Join(m.missing, ", "), have, observed("lacks "+strings.Join(m.missing, ", ")))
}

func (m *outboundEveryStateMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected the state to lack one of %s, but it holds them all", strings.Join(m.eventTypes, ", "))
}

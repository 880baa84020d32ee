package federation

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/types"
)

// RequestTo matches an inbound Exchange (a request from the homeserver)
// for route: Expect(remote.Journal.Requests()).To(ContainElement(RequestTo(InviteV1))).
func RequestTo(route Route) types.GomegaMatcher {
	return &exchangeMatcher{what: "a request from the homeserver to " + route.String(), match: func(e Exchange) bool {
		return e.Direction == Inbound && e.Route == route
	}}
}

// CallTo matches an outbound Exchange (a request the mock sent) for route.
func CallTo(route Route) types.GomegaMatcher {
	return &exchangeMatcher{what: "a request from the mock to " + route.String(), match: func(e Exchange) bool {
		return e.Direction == Outbound && e.Route == route
	}}
}

type exchangeMatcher struct {
	what  string
	match func(Exchange) bool
}

func (m *exchangeMatcher) Match(actual any) (bool, error) {
	e, ok := actual.(Exchange)
	if !ok {
		return false, fmt.Errorf("federation: %s: expected an Exchange, got %T", m.what, actual)
	}
	return m.match(e), nil
}

func (m *exchangeMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("expected %s, got %v", m.what, actual)
}

func (m *exchangeMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected anything but %s, got %v", m.what, actual)
}

func (m *exchangeMatcher) String() string { return m.what }

// ContainInOrder matches a []Exchange holding, in this order (not
// necessarily adjacent), an exchange for each matcher: "the v2 attempt
// came before the v1 attempt" is
// ContainInOrder(RequestTo(InviteV2), RequestTo(InviteV1)).
func ContainInOrder(matchers ...types.GomegaMatcher) types.GomegaMatcher {
	return &inOrderMatcher{matchers: matchers}
}

type inOrderMatcher struct {
	matchers []types.GomegaMatcher
	found    int
}

func (m *inOrderMatcher) Match(actual any) (bool, error) {
	list, ok := actual.([]Exchange)
	if !ok {
		return false, fmt.Errorf("federation: ContainInOrder: expected []Exchange, got %T", actual)
	}
	m.found = 0
	for _, e := range list {
		if m.found == len(m.matchers) {
			break
		}
		ok, err := m.matchers[m.found].Match(e)
		if err != nil {
			return false, err
		}
		if ok {
			m.found++
		}
	}
	return m.found == len(m.matchers), nil
}

func (m *inOrderMatcher) describe() string {
	parts := make([]string, len(m.matchers))
	for i, x := range m.matchers {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ", then ")
}

func (m *inOrderMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("expected the journal to hold, in order: %s\nfound the first %d; the exchanges were:\n%s",
		m.describe(), m.found, summaries(actual))
}

func (m *inOrderMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected the journal not to hold, in order: %s\nthe exchanges were:\n%s", m.describe(), summaries(actual))
}

func summaries(actual any) string {
	list, _ := actual.([]Exchange)
	if len(list) == 0 {
		return "    (none)"
	}
	var b strings.Builder
	for _, e := range list {
		b.WriteString("    " + e.Summary() + "\n")
	}
	return b.String()
}

package match

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/onsi/gomega/types"
)

// HaveStatus matches a response answered with exactly code.
//
//	Expect(res).To(match.HaveStatus(http.StatusOK))
func HaveStatus(code int) types.GomegaMatcher {
	return &statusMatcher{codes: []int{code}}
}

// BeRefusedWith matches a response that refuses the request with one of
// the given statuses. Its failure message says what happened instead: the
// server accepted the request (2xx), failed on it (a 5xx is never a
// correct answer to bad input) or refused it with another status.
//
//	Expect(res).To(match.BeRefusedWith(400, 403))
func BeRefusedWith(codes ...int) types.GomegaMatcher {
	return &statusMatcher{codes: codes, refusal: true}
}

type statusMatcher struct {
	codes   []int
	refusal bool
	got     answer
}

func (m *statusMatcher) Match(actual any) (bool, error) {
	a, err := answerOf(actual)
	if err != nil {
		return false, err
	}
	m.got = a
	return slices.Contains(m.codes, a.status), nil
}

func (m *statusMatcher) want() string {
	parts := make([]string, len(m.codes))
	for i, c := range m.codes {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, " or ")
}

func (m *statusMatcher) FailureMessage(any) string {
	s := m.got.status
	var why string
	switch {
	case m.refusal && s >= 200 && s < 300:
		why = fmt.Sprintf("expected the request to be refused with %s, but the server accepted it with %d", m.want(), s)
	case s >= 500:
		why = fmt.Sprintf("expected %s, but the server failed with %d: a 5xx is never a correct answer (the server did not handle the request)", m.want(), s)
	case m.refusal:
		why = fmt.Sprintf("expected the request to be refused with %s, got %d", m.want(), s)
	default:
		why = fmt.Sprintf("expected status %s, got %d", m.want(), s)
	}
	return why + "\n" + m.got.fingerprintLine() + "\nthe exchange:\n" + m.got.exchange
}

func (m *statusMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected any status but %s, got %d\nthe exchange:\n%s", m.want(), m.got.status, m.got.exchange)
}

// HaveErrcode matches a Matrix error response whose errcode is one of
// codes.
//
//	Expect(res).To(match.HaveErrcode("M_INVALID_PARAM"))
func HaveErrcode(codes ...string) types.GomegaMatcher {
	return &errcodeMatcher{codes: codes}
}

type errcodeMatcher struct {
	codes   []string
	got     answer
	errcode string
	parse   error
}

func (m *errcodeMatcher) Match(actual any) (bool, error) {
	a, err := answerOf(actual)
	if err != nil {
		return false, err
	}
	m.got = a
	m.errcode, m.parse = a.errcode()
	return m.parse == nil && slices.Contains(m.codes, m.errcode), nil
}

func (m *errcodeMatcher) want() string { return strings.Join(m.codes, " or ") }

func (m *errcodeMatcher) FailureMessage(any) string {
	var why string
	switch {
	case m.parse != nil:
		why = fmt.Sprintf("expected a Matrix error with errcode %s, but the body (status %d) is not a JSON object: %v", m.want(), m.got.status, m.parse)
	case m.errcode == "":
		why = fmt.Sprintf("expected errcode %s, but the body (status %d) has no errcode", m.want(), m.got.status)
	default:
		why = fmt.Sprintf("expected errcode %s, got %q (status %d)", m.want(), m.errcode, m.got.status)
	}
	return why + "\n" + m.got.fingerprintLine() + "\nthe exchange:\n" + m.got.exchange
}

func (m *errcodeMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected an errcode other than %s, got %q\nthe exchange:\n%s", m.want(), m.errcode, m.got.exchange)
}

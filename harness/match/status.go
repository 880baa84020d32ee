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
	return haveStatusIn([]int{code}, false)
}

// BeRefusedWith matches a response that refuses the request with one of
// the given statuses. Its failure message says what happened instead: the
// server accepted the request (2xx), failed on it (a 5xx is never a
// correct answer to bad input) or refused it with another status.
//
//	Expect(res).To(match.BeRefusedWith(400, 403))
func BeRefusedWith(codes ...int) types.GomegaMatcher {
	return haveStatusIn(codes, true)
}

// haveStatusIn matches an answer whose status is one of codes; a refusal
// says so in its failure message.
func haveStatusIn(codes []int, refusal bool) types.GomegaMatcher {
	return answerMatcher(func(a answer) verdict {
		parts := make([]string, len(codes))
		for i, c := range codes {
			parts[i] = strconv.Itoa(c)
		}
		want, s := strings.Join(parts, " or "), a.status
		var why string
		switch {
		case refusal && s >= 200 && s < 300:
			why = fmt.Sprintf("expected the request to be refused with %s, but the server accepted it with %d", want, s)
		case s >= 500:
			why = fmt.Sprintf("expected %s, but the server failed with %d: a 5xx is never a correct answer (the server did not handle the request)", want, s)
		case refusal:
			why = fmt.Sprintf("expected the request to be refused with %s, got %d", want, s)
		default:
			why = fmt.Sprintf("expected status %s, got %d", want, s)
		}
		return verdict{
			holds:   slices.Contains(codes, s),
			failure: a.failure(why),
			negated: fmt.Sprintf("expected any status but %s, got %d\nthe exchange:\n%s", want, s, a.exchange),
		}
	})
}

// HaveErrcode matches a Matrix error response whose errcode is one of
// codes.
//
//	Expect(res).To(match.HaveErrcode("M_INVALID_PARAM"))
func HaveErrcode(codes ...string) types.GomegaMatcher {
	return answerMatcher(func(a answer) verdict {
		want := strings.Join(codes, " or ")
		errcode, parse := a.errcode()
		var why string
		switch {
		case parse != nil:
			why = fmt.Sprintf("expected a Matrix error with errcode %s, but the body (status %d) is not a JSON object: %v", want, a.status, parse)
		case errcode == "":
			why = fmt.Sprintf("expected errcode %s, but the body (status %d) has no errcode", want, a.status)
		default:
			why = fmt.Sprintf("expected errcode %s, got %q (status %d)", want, errcode, a.status)
		}
		return verdict{
			holds:   parse == nil && slices.Contains(codes, errcode),
			failure: a.failure(why),
			negated: fmt.Sprintf("expected an errcode other than %s, got %q\nthe exchange:\n%s", want, errcode, a.exchange),
		}
	})
}

package invite

import (
	"net/http"
	"strings"
	"testing"

	"github.com/onsi/gomega/types"

	"herald/harness/federation"
)

// The checks of the request authentication rules, shown failing on a
// wrong answer and passing on a right one.

func answer(status int, body string) *federation.Response {
	return &federation.Response{StatusCode: status, Body: []byte(body)}
}

func matches(t *testing.T, m types.GomegaMatcher, res *federation.Response) bool {
	t.Helper()
	ok, err := m.Match(res)
	if err != nil {
		t.Fatalf("matching %d %s: %v", res.StatusCode, res.Body, err)
	}
	return ok
}

func TestUnauthorized(t *testing.T) {
	if !matches(t, unauthorized(), answer(http.StatusUnauthorized, `{"errcode":"M_UNAUTHORIZED","error":"x"}`)) {
		t.Error("a 401 refusal fails the check")
	}
	for _, status := range []int{http.StatusOK, http.StatusBadRequest, http.StatusForbidden, http.StatusInternalServerError} {
		m := unauthorized()
		if matches(t, m, answer(status, `{"errcode":"M_FORBIDDEN","error":"x"}`)) {
			t.Errorf("an answer %d passes the check", status)
		}
		if msg := m.FailureMessage(answer(status, `{}`)); !strings.Contains(msg, "401") {
			t.Errorf("the failure message for %d does not name 401: %s", status, msg)
		}
	}
}

func TestUnauthorizedCode(t *testing.T) {
	if !matches(t, unauthorizedCode(), answer(http.StatusUnauthorized, `{"errcode":"M_UNAUTHORIZED","error":"x"}`)) {
		t.Error("M_UNAUTHORIZED fails the check")
	}
	for _, body := range []string{`{"errcode":"M_FORBIDDEN","error":"x"}`, `{"error":"x"}`, `<html>`, ``} {
		if matches(t, unauthorizedCode(), answer(http.StatusUnauthorized, body)) {
			t.Errorf("%q passes the check", body)
		}
	}
}

func TestExchangeActedOn(t *testing.T) {
	for _, m := range []string{"", "leave", "ban"} {
		if p := exchangeActedOn(nil, m); p != nil {
			t.Errorf("no invite sent, membership %q: %q, want nothing", m, p)
		}
	}
	for _, c := range []struct {
		sent       []federation.ReceivedInvite
		membership string
		says       string
	}{
		{[]federation.ReceivedInvite{{API: federation.InviteV2, Event: &federation.Event{ID: "$issued"}}}, "", "sent the invitee's server an invite"},
		{[]federation.ReceivedInvite{{API: federation.InviteV1}}, "", "(no event)"},
		{nil, "invite", "membership in the room is invite"},
	} {
		p := exchangeActedOn(c.sent, c.membership)
		if len(p) == 0 || !strings.Contains(strings.Join(p, "\n"), c.says) {
			t.Errorf("exchangeActedOn(%v, %q) = %q, want a problem saying %q", c.sent, c.membership, p, c.says)
		}
	}
}

func TestArticle(t *testing.T) {
	for noun, want := range map[string]string{
		"v2 invite request":                   "a v2 invite request",
		"exchange_third_party_invite request": "an exchange_third_party_invite request",
	} {
		if got := article(noun); got != want {
			t.Errorf("article(%q) = %q, want %q", noun, got, want)
		}
	}
}

func TestPassedAuthentication(t *testing.T) {
	for _, status := range []int{200, 400, 403, 500} {
		if p := passedAuthentication(status); p != nil {
			t.Errorf("%d: %q, want nothing (it got past authentication)", status, p)
		}
	}
	if p := passedAuthentication(http.StatusUnauthorized); len(p) == 0 || !strings.Contains(p[0], "401") {
		t.Errorf("401: %q, want a problem naming 401", p)
	}
}

// The check of the ACL rules (INV2-ACL-DENIED, INV1-ACL-DENIED).
func TestDeniedByACL(t *testing.T) {
	if !matches(t, deniedByACL(), answer(http.StatusForbidden, `{"errcode":"M_FORBIDDEN","error":"Server is banned from room"}`)) {
		t.Error("403 M_FORBIDDEN fails the check")
	}
	for _, c := range []struct {
		status int
		body   string
		says   string // in the failure message
	}{
		{http.StatusOK, `{"event":{"type":"m.room.member"}}`, "accepted it with 200"},
		{http.StatusOK, `[200,{"event":{"type":"m.room.member"}}]`, "accepted it with 200"},
		{http.StatusForbidden, `{"errcode":"M_UNKNOWN","error":"x"}`, `got "M_UNKNOWN"`},
		{http.StatusForbidden, `{"error":"x"}`, "has no errcode"},
		{http.StatusForbidden, `<html>`, "not a JSON object"},
		{http.StatusBadRequest, `{"errcode":"M_FORBIDDEN","error":"x"}`, "refused with 403, got 400"},
		{http.StatusUnauthorized, `{"errcode":"M_UNAUTHORIZED","error":"x"}`, "refused with 403, got 401"},
		{http.StatusInternalServerError, `{"errcode":"M_FORBIDDEN","error":"x"}`, "5xx"},
	} {
		m := deniedByACL()
		res := answer(c.status, c.body)
		if matches(t, m, res) {
			t.Errorf("%d %s passes the check", c.status, c.body)
			continue
		}
		if msg := m.FailureMessage(res); !strings.Contains(msg, c.says) || !strings.Contains(msg, "observed: ") {
			t.Errorf("%d %s: the failure message does not say %q with an observed line: %s", c.status, c.body, c.says, msg)
		}
	}
}

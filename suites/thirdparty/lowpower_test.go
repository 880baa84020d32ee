package thirdparty

import (
	"strings"
	"testing"
)

// The checks of 3PID-INVITE-LOW-POWER and -NO-STORE, shown failing on a
// wrong answer and passing on a right one.

func TestLowPowerProblems(t *testing.T) {
	const forbidden = `{"errcode":"M_FORBIDDEN","error":"You don't have permission to invite users"}`
	if p := lowPowerProblems(403, []byte(forbidden), nil); p != nil {
		t.Errorf("a 403 and no pending invite have problems: %q", p)
	}
	for _, c := range []struct {
		name    string
		status  int
		body    string
		pending []string
		says    string
	}{
		{"accepted", 200, `{}`, []string{"tok"}, "answered 200: the invite of a member below the invite level was accepted"},
		{"accepted, nothing in state", 200, `{}`, nil, "was accepted"},
		{"a 400", 400, `{"errcode":"M_UNKNOWN","error":"x"}`, nil, "answered 400, not 403"},
		{"a 500", 500, `{"errcode":"M_UNKNOWN","error":"x"}`, nil, "answered 500, not 403"},
		{"not JSON", 403, `<html>`, nil, "not a JSON object"},
		{"no errcode", 403, `{"error":"x"}`, nil, "no string errcode"},
		{"refused, but the event went in", 403, forbidden, []string{"tok"}, `m.room.third_party_invite (state_key "tok")`},
	} {
		p := lowPowerProblems(c.status, []byte(c.body), c.pending)
		if len(p) == 0 || !strings.Contains(strings.Join(p, "\n"), c.says) {
			t.Errorf("%s: lowPowerProblems = %q, want a problem saying %q", c.name, p, c.says)
		}
	}
}

func TestStoreProblems(t *testing.T) {
	if p := storeProblems(nil); p != nil {
		t.Errorf("no store-invite has problems: %q", p)
	}
	p := storeProblems([]string{"#1 → POST /_matrix/identity/v2/store-invite ⇒ 200"})
	if len(p) != 1 || !strings.Contains(p[0], "stored an invite it refuses") {
		t.Errorf("a store-invite passes: %q", p)
	}
}

package thirdparty

import (
	"strings"
	"testing"

	"herald/harness/csapi"
	"herald/harness/matrix"
)

// The checks and the deliberately wrong inputs of the required-field
// rules: each check fails on a wrong answer, and each input differs from
// a valid one in the one way its rule names.

func TestQuietProblems(t *testing.T) {
	if p := quietProblems(400, nil, ""); len(p) != 0 {
		t.Errorf("a quiet 400: %v", p)
	}
	if p := quietProblems(500, nil, ""); len(p) != 0 {
		t.Errorf("a quiet 500 is still a refusal (the status rule judges 5xx): %v", p)
	}
	for name, c := range map[string]struct {
		status     int
		exchanged  []string
		membership string
	}{
		"200":            {200, nil, ""},
		"exchanged":      {400, []string{"PUT /exchange_third_party_invite/!r:remote → 200"}, ""},
		"invited anyway": {403, nil, "invite"},
	} {
		if p := quietProblems(c.status, c.exchanged, c.membership); len(p) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
}

func TestJoinRefusalProblems(t *testing.T) {
	if p := joinRefusalProblems(403, forbidden, "@bob:hs", ""); len(p) != 0 {
		t.Errorf("403 and no membership: %v", p)
	}
	if p := joinRefusalProblems(400, malformed, "@bob:hs", ""); len(p) != 0 {
		t.Errorf("400 for a malformed block: %v", p)
	}
	for name, c := range map[string]struct {
		status     int
		statuses   []int
		membership string
	}{
		"joined":           {200, forbidden, "join"},
		"400 for auth":     {400, forbidden, ""},
		"500":              {500, malformed, ""},
		"403 but joined":   {403, malformed, "join"},
		"200, no member":   {200, malformed, ""},
		"403 but invited?": {403, forbidden, "invite"},
	} {
		if p := joinRefusalProblems(c.status, c.statuses, "@bob:hs", c.membership); len(p) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
	if got := answerWords(forbidden); got != "403 when the user may not join" {
		t.Errorf("answerWords(403) = %q: the existing rules' sections would change", got)
	}
}

func TestMissingOnbindFields(t *testing.T) {
	s := testServer(t)
	s.Store("email", "bob@example.org", "!r:remote", "@alice:remote")
	full := s.OnBindBody("email", "bob@example.org", "@bob:hs")
	for _, m := range missingOnbindFields {
		body := s.OnBindBody("email", "bob@example.org", "@bob:hs", m.without)
		if has(body, m.field) {
			t.Errorf("%s: the body still has %s", m.id, m.field)
		}
		if !has(full, m.field) {
			t.Errorf("%s: the valid body has no %s to leave out", m.id, m.field)
		}
	}
}

func TestMalformedExchanges(t *testing.T) {
	s := testServer(t)
	in := &inbound{alice: &csapi.Client{UserID: "@alice:hs"}, room: "!r:hs", is: s, carol: "@carol:remote"}
	in.inv = s.Store("email", "carol@example.org", in.room, in.alice.UserID)
	valid := matrix.Object(in.valid())
	if p := partialInviteProblems(valid, in.room, in.alice.UserID, in.carol, in.is.Signed(in.carol, in.inv.Token)); len(p) != 0 {
		t.Fatalf("the valid body has problems: %v", p)
	}
	for _, m := range malformedExchanges {
		body := matrix.Object(m.body(in))
		if sameJSON(body, valid) {
			t.Errorf("%s: the body is the valid one", m.id)
		}
		switch {
		case strings.HasPrefix(m.id, "NO-SIGNED-"):
			field := strings.ToLower(strings.TrimPrefix(m.id, "NO-SIGNED-"))
			if has(body, "content.third_party_invite.signed."+field) || !has(body, "content.third_party_invite.signed") {
				t.Errorf("%s: %s", m.id, compact(body))
			}
		case strings.HasPrefix(m.id, "NO-"):
			if len(body) == len(valid) && sameJSON(body["content"].(map[string]any), valid["content"].(map[string]any)) {
				t.Errorf("%s: nothing was left out: %s", m.id, compact(body))
			}
		}
	}
	// Changes are made to a fresh body each time.
	if !sameJSON(matrix.Object(in.valid()), valid) {
		t.Error("a change leaked into the valid body")
	}
	if p := partialInviteProblems(matrix.Object(malformedExchanges[0].body(in)), in.room, in.alice.UserID, in.carol, in.is.Signed(in.carol, in.inv.Token)); len(p) == 0 {
		t.Error("type m.room.topic passes the partial-event check")
	}
}

// has reports whether the dotted path (with [0] for the first array item)
// is in o.
func has(o matrix.Object, path string) bool {
	var cur any = map[string]any(o)
	for _, k := range strings.Split(path, ".") {
		k, first := strings.CutSuffix(k, "[0]")
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[k]; !ok {
			return false
		}
		if first {
			list, ok := cur.([]any)
			if !ok || len(list) == 0 {
				return false
			}
			cur = list[0]
		}
	}
	return true
}

package thirdparty

import (
	"net/netip"
	"strings"
	"testing"

	"herald/harness/federation"
	"herald/harness/identity"
	"herald/harness/matrix"
	"herald/harness/mockhttp"
	"herald/harness/pki"
)

// recorded is what every mock journals of an exchange; an identity.Exchange
// adds the access token.
type recorded = mockhttp.Exchange[identity.Route]

// Every check the specs use, shown failing on a wrong answer and passing
// on a right one.

func testServer(t *testing.T) *identity.Server {
	t.Helper()
	ca, err := pki.NewCA("thirdparty checks", pki.MinBits)
	if err != nil {
		t.Fatal(err)
	}
	s, err := identity.Start(t.Context(), identity.Env{CA: ca, Listen: netip.MustParseAddr("127.0.0.1")}, identity.Host("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRefusalChecks(t *testing.T) {
	for _, c := range []struct {
		status           int
		refused, refusal bool
	}{
		{200, false, false}, {204, false, false}, {302, false, false},
		{400, true, true}, {403, true, true}, {404, true, true},
		{500, true, false}, {502, true, false},
	} {
		if got := len(refused(c.status)) == 0; got != c.refused {
			t.Errorf("refused(%d) passes = %t, want %t", c.status, got, c.refused)
		}
		if got := len(refusal(c.status)) == 0; got != c.refusal {
			t.Errorf("refusal(%d) passes = %t, want %t", c.status, got, c.refusal)
		}
	}
}

func TestStoreInviteProblems(t *testing.T) {
	want := map[string]string{"medium": "email", "address": "a@example.org", "room_id": "!r:hs", "sender": "@alice:hs"}
	good := identity.Exchange{
		Exchange: recorded{Route: identity.StoreInvite, Method: "POST", URI: "/_matrix/identity/v2/store-invite",
			RequestBody: []byte(`{"medium":"email","address":"a@example.org","room_id":"!r:hs","sender":"@alice:hs","room_name":"x"}`)},
		Token: "tok", Via: identity.BearerHeader,
	}
	if p := storeInviteProblems(good, want, "tok"); len(p) != 0 {
		t.Errorf("a right request has problems: %v", p)
	}
	query := good
	query.Via = identity.QueryParameter
	if p := storeInviteProblems(query, want, "tok"); len(p) != 0 {
		t.Errorf("a token in the query is still the client's token (3PID-IS-BEARER judges how): %v", p)
	}
	for name, ex := range map[string]identity.Exchange{
		"legacy route": func() identity.Exchange { e := good; e.Route = identity.LegacyStoreInvite; return e }(),
		"form body":    func() identity.Exchange { e := good; e.RequestBody = []byte("medium=email&address=a"); return e }(),
		"wrong room": func() identity.Exchange {
			e := good
			e.RequestBody = []byte(strings.Replace(string(good.RequestBody), "!r:hs", "!s:hs", 1))
			return e
		}(),
		"no sender": func() identity.Exchange {
			e := good
			e.RequestBody = []byte(`{"medium":"email","address":"a@example.org","room_id":"!r:hs"}`)
			return e
		}(),
		"no token":    func() identity.Exchange { e := good; e.Via, e.Token = identity.NoToken, ""; return e }(),
		"other token": func() identity.Exchange { e := good; e.Token = "other"; return e }(),
	} {
		if p := storeInviteProblems(ex, want, "tok"); len(p) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
}

func TestBearerProblems(t *testing.T) {
	ok := identity.Exchange{Exchange: recorded{Route: identity.Lookup}, Token: "tok", Via: identity.BearerHeader}
	if p := bearerProblems([]identity.Exchange{ok, ok}, "tok"); len(p) != 0 {
		t.Errorf("Bearer requests have problems: %v", p)
	}
	for name, ex := range map[string]identity.Exchange{
		"query":       {Exchange: recorded{Route: identity.HashDetails}, Token: "tok", Via: identity.QueryParameter},
		"none":        {Exchange: recorded{Route: identity.StoreInvite}},
		"other token": {Exchange: recorded{Route: identity.Lookup}, Token: "x", Via: identity.BearerHeader},
	} {
		if p := bearerProblems([]identity.Exchange{ok, ex}, "tok"); len(p) != 1 {
			t.Errorf("%s: want one problem, got %v", name, p)
		}
	}
}

func TestPartialInviteProblems(t *testing.T) {
	s := testServer(t)
	signed := s.Signed("@carol:remote", "tok")
	good := matrix.Object(federation.ThirdPartyExchange("!r:hs", "@alice:hs", "@carol:remote", "c…@e…", signed))
	if p := partialInviteProblems(good, "!r:hs", "@alice:hs", "@carol:remote", signed); len(p) != 0 {
		t.Errorf("a right partial event has problems: %v", p)
	}
	reparsed, _ := matrix.ParseObject(must(good.Encode()))
	if p := partialInviteProblems(reparsed, "!r:hs", "@alice:hs", "@carol:remote", signed); len(p) != 0 {
		t.Errorf("the same event parsed from the wire has problems: %v", p)
	}
	for name, body := range map[string]matrix.Object{
		"other room":   matrix.Object(federation.ThirdPartyExchange("!other:hs", "@alice:hs", "@carol:remote", "x", signed)),
		"other sender": matrix.Object(federation.ThirdPartyExchange("!r:hs", "@bob:hs", "@carol:remote", "x", signed)),
		"other target": matrix.Object(federation.ThirdPartyExchange("!r:hs", "@alice:hs", "@dave:remote", "x", signed)),
		"re-signed":    matrix.Object(federation.ThirdPartyExchange("!r:hs", "@alice:hs", "@carol:remote", "x", s.Signed("@carol:remote", "tok", identity.SignedWith(s.ForgedKey())))),
		"extra field":  matrix.Object(federation.ThirdPartyExchange("!r:hs", "@alice:hs", "@carol:remote", "x", func() matrix.Object { c := signed.Clone(); c["sender"] = "@alice:hs"; return c }())),
		"no signed":    matrix.Object(federation.ThirdPartyExchange("!r:hs", "@alice:hs", "@carol:remote", "x", nil)),
		"join": func() matrix.Object {
			b := matrix.Object(federation.ThirdPartyExchange("!r:hs", "@alice:hs", "@carol:remote", "x", signed))
			b["content"].(map[string]any)["membership"] = "join"
			return b
		}(),
		"no type": func() matrix.Object {
			b := matrix.Object(federation.ThirdPartyExchange("!r:hs", "@alice:hs", "@carol:remote", "x", signed))
			delete(b, "type")
			return b
		}(),
	} {
		if p := partialInviteProblems(body, "!r:hs", "@alice:hs", "@carol:remote", signed); len(p) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
}

func TestRedactionProblems(t *testing.T) {
	event := matrix.MustParseObject(`{"type":"m.room.member","state_key":"@d:hs","sender":"@c:remote","room_id":"!r:hs",
		"content":{"membership":"invite","displayname":"D","third_party_invite":{"display_name":"d…","signed":{"mxid":"@d:hs","token":"t","signatures":{"is":{"ed25519:0":"sig"}}}}}}`)
	v10, v11 := matrix.MustRoomVersion("10"), matrix.MustRoomVersion("11")
	membershipOnly := matrix.MustParseObject(`{"membership":"invite"}`)
	keepsSigned := matrix.MustParseObject(`{"membership":"invite","third_party_invite":{"signed":{"mxid":"@d:hs","token":"t","signatures":{"is":{"ed25519:0":"sig"}}}}}`)
	if p := redactionProblems(v10, event, membershipOnly); len(p) != 0 {
		t.Errorf("v10, membership only: %v", p)
	}
	if p := redactionProblems(v11, event, keepsSigned); len(p) != 0 {
		t.Errorf("v11, signed kept: %v", p)
	}
	for name, c := range map[string]struct {
		rv      matrix.RoomVersion
		content matrix.Object
	}{
		"v10 keeping signed":      {v10, keepsSigned},
		"v11 dropping signed":     {v11, membershipOnly},
		"v11 keeping everything":  {v11, event["content"].(map[string]any)},
		"v11 keeping displayname": {v11, func() matrix.Object { c := keepsSigned.Clone(); c["displayname"] = "D"; return c }()},
		"nothing kept":            {v10, matrix.Object{}},
	} {
		if p := redactionProblems(c.rv, event, c.content); len(p) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestRefusalStatusProblems(t *testing.T) {
	refused := []refusalAnswer{{"A", 403, []byte(`{"errcode":"M_FORBIDDEN"}`)}, {"B", 400, nil}}
	if p := refusalStatusProblems(refused); len(p) != 0 {
		t.Errorf("4xx refusals have problems: %v", p)
	}
	for name, answers := range map[string][]refusalAnswer{
		// The wrong answers the rule let through before: accepted
		// requests were not judged, so all-accepted passed.
		"every request accepted": {{"A", 200, []byte(`{}`)}, {"B", 200, []byte(`{}`)}},
		"one accepted":           {{"A", 403, nil}, {"B", 200, []byte(`{}`)}},
		"a 5xx":                  {{"A", 403, nil}, {"B", 500, []byte(`{"Err":""}`)}},
		"nothing answered":       nil,
	} {
		if p := refusalStatusProblems(answers); len(p) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
	if p := refusalStatusProblems([]refusalAnswer{{"ROOM-MISMATCH", 200, []byte(`{}`)}}); len(p) != 1 || !strings.Contains(p[0], "ROOM-MISMATCH: answered 200") {
		t.Errorf("an accepted exchange: %v", p)
	}
}

package identity

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// hasProblem fails the test unless s's journal has a problem whose check
// name contains what.
func hasProblem(t *testing.T, s *Server, what string) {
	t.Helper()
	for _, p := range s.Journal.Problems() {
		if strings.Contains(p.Check.Name, what) {
			return
		}
	}
	t.Errorf("expected a problem about %q; problems: %v\n%s", what, s.Journal.Problems(), s.Journal.Transcript())
}

// TestWrongRequestsAreProblems sends the mock one request that is wrong in
// one way each, and expects the answer a real identity server gives and a
// problem on the journal.
func TestWrongRequestsAreProblems(t *testing.T) {
	cases := []struct {
		name, method, path string
		token              bool
		body               string
		status             int
		errcode, problem   string
	}{
		{"an unknown endpoint", "GET", "/_matrix/identity/v2/no_such_thing", true, "", 404, "M_UNRECOGNIZED", "the endpoint is one the Identity Service API defines"},
		{"a known path with another method", "DELETE", Lookup.Path(), true, "", 405, "M_UNRECOGNIZED", "the endpoint is one the Identity Service API defines"},
		{"a path outside the API", "GET", "/_matrix/client/versions", false, "", 404, "M_UNRECOGNIZED", "the endpoint is one the Identity Service API defines"},
		{"no access token", "POST", Lookup.Path(), false, `{}`, 401, "M_UNAUTHORIZED", "carries an access token"},
		{"a lookup body that is not JSON", "POST", Lookup.Path(), true, `{"addresses": [`, 400, "M_NOT_JSON", "lookup body is a JSON object"},
		{"a lookup without addresses", "POST", Lookup.Path(), true, `{"algorithm": "sha256", "pepper": "x"}`, 400, "M_MISSING_PARAM", "has addresses"},
		{"a lookup with another pepper", "POST", Lookup.Path(), true, `{"algorithm": "sha256", "pepper": "not-the-mock's", "addresses": []}`, 400, "M_INVALID_PEPPER", "pepper hash_details gave"},
		{"a store-invite body that is not JSON", "POST", StoreInvite.Path(), true, `medium=email`, 400, "M_NOT_JSON", "store-invite body is a JSON object"},
		{"a store-invite without sender", "POST", StoreInvite.Path(), true, `{"medium": "email", "address": "a@b.c", "room_id": "!r:x"}`, 400, "M_MISSING_PARAM", "store-invite body has medium"},
		{"a sign-ed25519 without token", "POST", SignEd25519.Path(), true, `{"mxid": "@a:b", "private_key": "x"}`, 400, "M_MISSING_PARAM", "sign-ed25519 body has"},
		{"a sign-ed25519 for an unknown token", "POST", SignEd25519.Path(), true, `{"mxid": "@a:b", "token": "nope", "private_key": "x"}`, 404, "M_UNRECOGNIZED", "token of a stored invite"},
		{"isvalid without public_key", "GET", IsValid.Path(), false, "", 400, "M_MISSING_PARAM", "has the public_key parameter"},
		{"isvalid with an unencoded +", "GET", IsValid.Path() + "?public_key=ab+cd", false, "", 400, "M_INVALID_PARAM", "percent-encoded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Env{})
			token := ""
			if c.token {
				token = s.AccessToken()
			}
			code, body := call(t, s, c.method, c.path, token, c.body)
			if code != c.status || body["errcode"] != c.errcode {
				t.Errorf("answered %d %v, want %d %s", code, body, c.status, c.errcode)
			}
			hasProblem(t, s, c.problem)
		})
	}
}

// TestRightRequestsAreNoProblems: the requests a conformant homeserver
// sends leave the journal without problems.
func TestRightRequestsAreNoProblems(t *testing.T) {
	s := start(t, Env{})
	token := s.AccessToken()
	for _, r := range []struct{ method, path, body string }{
		{"GET", HashDetails.Path(), ""},
		{"POST", Lookup.Path(), `{"algorithm": "sha256", "pepper": "` + s.Pepper() + `", "addresses": ["x"]}`},
		{"POST", StoreInvite.Path(), `{"medium": "email", "address": "a@b.c", "room_id": "!r:x", "sender": "@a:x"}`},
	} {
		if code, body := call(t, s, r.method, r.path, token, r.body); code != 200 {
			t.Errorf("%s %s: %d %v", r.method, r.path, code, body)
		}
	}
	inv := s.Invites()[0]
	if code, body := call(t, s, "GET", IsValid.Path()+"?public_key="+strings.ReplaceAll(s.longTerm.PublicKeyBase64(), "+", "%2B"), "", ""); code != 200 {
		t.Errorf("isvalid: %d %v", code, body)
	}
	if code, body := call(t, s, "GET", PubKey.Path()[:len(PubKey.Path())-len("{keyId}")]+inv.Ephemeral.KeyID, "", ""); code != 200 {
		t.Errorf("pubkey: %d %v", code, body)
	}
	if p := s.Journal.Problems(); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
}

// TestGarbageNeverPanics sends every route bodies and query strings of
// every wrong kind; the mock answers each without panicking.
func TestGarbageNeverPanics(t *testing.T) {
	s := start(t, Env{})
	token := s.AccessToken()
	bodies := []string{"", "null", "[]", "42", `"x"`, "{", `{"addresses": 5, "algorithm": [], "pepper": {}}`,
		`{"medium": 1, "address": null, "room_id": [], "sender": {}}`, `{"mxid": 1, "token": 2, "private_key": 3}`,
		`{"addresses": [1, null, {}], "algorithm": "none", "pepper": "` + s.Pepper() + `"}`, "\xff\xfe"}
	queries := []string{"", "?public_key=", "?public_key=%ZZ", "?public_key=" + strings.Repeat("A", 100), "?medium=&address="}
	for _, route := range append(served(), Unrouted) {
		method, path, _ := strings.Cut(string(route), " ")
		if route == Unrouted {
			method, path = "PATCH", "/nowhere"
		}
		path = strings.ReplaceAll(path, "{keyId}", "ed25519:nope")
		for _, body := range bodies {
			for _, q := range queries {
				req, err := http.NewRequestWithContext(t.Context(), method, s.URL(path+q), bytes.NewReader([]byte(body)))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := client(t, s).Do(req)
				if err != nil {
					t.Fatalf("%s %s%s: %v", method, path, q, err)
				}
				res.Body.Close()
				if res.StatusCode >= 500 {
					t.Errorf("%s %s%s with %q: %d", method, path, q, body, res.StatusCode)
				}
			}
		}
	}
	for _, p := range s.Journal.Problems() {
		if strings.Contains(p.Check.Name, "handler") {
			t.Errorf("the mock panicked: %v", p)
		}
	}
}

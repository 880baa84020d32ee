package identity

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"herald/harness/matrix"
)

// call sends one request to s and returns the status and JSON body.
func call(t *testing.T, s *Server, method, path, token string, body string) (int, matrix.Object) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL(path), r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client(t, s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	obj, err := matrix.ParseObject(data)
	if err != nil {
		t.Fatalf("%s %s: answer %d is not a JSON object: %s", method, path, res.StatusCode, data)
	}
	return res.StatusCode, obj
}

func TestAuthentication(t *testing.T) {
	s := start(t, Env{})
	if code, body := call(t, s, "GET", HashDetails.Path(), "", ""); code != 401 || body["errcode"] != "M_UNAUTHORIZED" {
		t.Errorf("no token: %d %v, want 401 M_UNAUTHORIZED", code, body)
	}
	if code, _ := call(t, s, "GET", HashDetails.Path(), "never-issued", ""); code != 401 {
		t.Errorf("unknown token: %d, want 401", code)
	}
	token := s.AccessToken()
	if code, body := call(t, s, "GET", HashDetails.Path(), token, ""); code != 200 || body["lookup_pepper"] != s.Pepper() {
		t.Errorf("with a token: %d %v", code, body)
	}
	if code, _ := call(t, s, "GET", HashDetails.Path()+"?access_token="+token, "", ""); code != 200 {
		t.Errorf("token in the query: %d, want 200 (accepted, and journaled)", code)
	}
	got := s.Journal.RequestsTo(HashDetails)
	if len(got) != 4 {
		t.Fatalf("journal has %d hash_details requests, want 4", len(got))
	}
	if got[2].Via != BearerHeader || got[2].Token != token || got[3].Via != QueryParameter || got[3].Token != token || got[0].Via != NoToken {
		t.Errorf("credentials journaled as %q %q %q", got[0].Via, got[2].Via, got[3].Via)
	}
}

func TestLookup(t *testing.T) {
	s := start(t, Env{})
	token := s.AccessToken()
	s.Bind("email", "bob@example.org", "@bob:hs")
	hashed := LookupHash("bob@example.org", "email", s.Pepper())
	plain := "bob@example.org email"
	for _, c := range []struct{ alg, addr string }{{"sha256", hashed}, {"none", plain}} {
		body := `{"algorithm":"` + c.alg + `","pepper":"` + s.Pepper() + `","addresses":["` + c.addr + `","nobody"]}`
		code, res := call(t, s, "POST", Lookup.Path(), token, body)
		m, _ := res.GetObject("mappings")
		if code != 200 || len(m) != 1 || m[c.addr] != "@bob:hs" {
			t.Errorf("%s lookup: %d %v", c.alg, code, res)
		}
	}
	if code, res := call(t, s, "POST", Lookup.Path(), token, `{"algorithm":"sha256","pepper":"stale","addresses":[]}`); code != 400 || res["errcode"] != "M_INVALID_PEPPER" {
		t.Errorf("stale pepper: %d %v", code, res)
	}
}

// TestLookupHashVectors pins the examples of identity-service-api.md
// "sha256".
func TestLookupHashVectors(t *testing.T) {
	for _, v := range []struct{ address, medium, want string }{
		{"alice@example.com", "email", "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc"},
		{"bob@example.com", "email", "LJwSazmv46n0hlMlsb_iYxI0_HXEqy_yj6Jm636cdT8"},
		{"18005552067", "msisdn", "nlo35_T5fzSGZzJApqu8lgIudJvmOQtDaHtr-I4rU7I"},
	} {
		if got := LookupHash(v.address, v.medium, "matrixrocks"); got != v.want {
			t.Errorf("LookupHash(%q, %q) = %q, want %q", v.address, v.medium, got, v.want)
		}
	}
}

func TestScriptedAnswers(t *testing.T) {
	s := start(t, Env{}, Answer(IsValid, Sequence(JSON(200, map[string]any{"valid": false}), Default())))
	path := IsValid.Path() + "?public_key=" + url.QueryEscape(s.LongTermKey().PublicKeyBase64())
	if _, res := call(t, s, "GET", path, "", ""); res["valid"] != false {
		t.Errorf("first, scripted answer: %v", res)
	}
	if _, res := call(t, s, "GET", path, "", ""); res["valid"] != true {
		t.Errorf("second answer, the default: %v", res)
	}
	s.Answer(StoreInvite, Status(403, "M_TERMS_NOT_SIGNED"))
	if code, res := call(t, s, "POST", StoreInvite.Path(), s.AccessToken(), `{}`); code != 403 || res["errcode"] != "M_TERMS_NOT_SIGNED" {
		t.Errorf("scripted store-invite: %d %v", code, res)
	}
	s.Unscript(StoreInvite)
	if code, _ := call(t, s, "POST", StoreInvite.Path(), s.AccessToken(), `{}`); code != 400 {
		t.Errorf("unscripted store-invite without fields: %d, want the default 400", code)
	}
	ex := s.Journal.Requests()
	// A Sequence answers through the script even when it falls back to the default.
	if len(ex) != 4 || !ex[0].Scripted || !ex[1].Scripted || !ex[2].Scripted || ex[3].Scripted {
		t.Errorf("journal marks scripted answers wrongly: %v", ex)
	}
}

func TestStoreInviteAndValidity(t *testing.T) {
	s := start(t, Env{})
	token := s.AccessToken()
	code, res := call(t, s, "POST", StoreInvite.Path(), token, `{"medium":"email","address":"carol@example.org","room_id":"!r:hs","sender":"@alice:hs"}`)
	if code != 200 {
		t.Fatalf("store-invite: %d %v", code, res)
	}
	tok, _ := res.GetString("token")
	inv := s.InviteByToken(tok)
	if inv == nil || inv.RoomID != "!r:hs" || inv.Sender != "@alice:hs" || inv.Request == nil {
		t.Fatalf("stored invite: %+v", inv)
	}
	if res["display_name"] != inv.DisplayName || strings.Contains(inv.DisplayName, "carol") {
		t.Errorf("display_name %v leaks or differs from %q", res["display_name"], inv.DisplayName)
	}
	keys, _ := res.GetArray("public_keys")
	if len(keys) != 2 {
		t.Fatalf("public_keys: %v", keys)
	}
	if res.Has("public_key") {
		t.Error("the v2 answer has a top-level public_key")
	}
	isValid := func(path, key string) bool {
		t.Helper()
		code, res := call(t, s, "GET", path+"?public_key="+url.QueryEscape(key), "", "")
		if code != 200 {
			t.Fatalf("%s: %d %v", path, code, res)
		}
		return res["valid"] == true
	}
	lt, eph := s.LongTermKey().PublicKeyBase64(), inv.Ephemeral.PublicKeyBase64()
	if !isValid(IsValid.Path(), lt) || !isValid(EphemeralIsValid.Path(), eph) {
		t.Error("fresh keys are not valid")
	}
	if isValid(IsValid.Path(), eph) || isValid(EphemeralIsValid.Path(), lt) {
		t.Error("a key is valid at the other kind's endpoint")
	}
	if isValid(IsValid.Path(), s.ForgedKey().PublicKeyBase64()) {
		t.Error("an unknown key is valid")
	}
	urlSafe := matrix.EncodeBase64URL(s.LongTermKey().PublicKey())
	if !isValid(IsValid.Path(), urlSafe) {
		t.Error("the URL-safe encoding of the long-term key is not valid")
	}
	s.Revoke(s.LongTermKey())
	if isValid(IsValid.Path(), lt) || !isValid(EphemeralIsValid.Path(), eph) {
		t.Error("revoking the long-term key: want it invalid and the ephemeral key still valid")
	}
	if code, res := call(t, s, "GET", PubKey.Path()[:len(PubKey.Path())-len("{keyId}")]+s.LongTermKey().KeyID, "", ""); code != 200 || res["public_key"] != lt {
		t.Errorf("pubkey: %d %v", code, res)
	}

	s.Bind("email", "dave@example.org", "@dave:hs")
	if code, res := call(t, s, "POST", StoreInvite.Path(), token, `{"medium":"email","address":"dave@example.org","room_id":"!r:hs","sender":"@alice:hs"}`); code != 400 || res["errcode"] != "M_THREEPID_IN_USE" {
		t.Errorf("store-invite for a bound address: %d %v", code, res)
	}
	if code, res := call(t, s, "POST", StoreInvite.Path(), token, `{"medium":"email","address":"x@example.org"}`); code != 400 || res["errcode"] != "M_MISSING_PARAM" {
		t.Errorf("store-invite without room_id and sender: %d %v", code, res)
	}
}

func TestLegacyStoreInvite(t *testing.T) {
	s := start(t, Env{})
	form := url.Values{"medium": {"email"}, "address": {"e@example.org"}, "room_id": {"!r:hs"}, "sender": {"@a:hs"}}
	req, _ := http.NewRequestWithContext(t.Context(), "POST", s.URL(LegacyStoreInvite.Path()), bytes.NewReader([]byte(form.Encode())))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := client(t, s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	obj, _ := matrix.ParseObject(data)
	if res.StatusCode != 200 || obj["public_key"] != s.LongTermKey().PublicKeyBase64() {
		t.Errorf("legacy store-invite: %d %s", res.StatusCode, data)
	}
	ex := s.Journal.RequestsTo(LegacyStoreInvite)
	if len(ex) != 1 || len(ex[0].Notes) == 0 || !strings.Contains(ex[0].Notes[0], "legacy") {
		t.Errorf("the journal should mark the legacy request: %v", ex)
	}
}

func TestServerInTrustedPorts(t *testing.T) {
	s := start(t, Env{Ports: TrustedPorts})
	if p := s.Addr().Port(); p < TrustedPorts.First || p >= TrustedPorts.First+TrustedPorts.Count {
		t.Errorf("a server in TrustedPorts listens on %d", p)
	}
}

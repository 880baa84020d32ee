package match

import (
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega/types"

	"herald/harness/federation"
	"herald/harness/matrix"
)

// fails asserts that m does not match actual and that its failure message
// contains every one of want.
func fails(t *testing.T, m types.GomegaMatcher, actual any, want ...string) {
	t.Helper()
	ok, err := m.Match(actual)
	if err != nil {
		t.Fatalf("Match returned an error: %v", err)
	}
	if ok {
		t.Fatalf("expected %T to fail on %v, it matched", m, actual)
	}
	msg := m.FailureMessage(actual)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("failure message lacks %q:\n%s", w, msg)
		}
	}
}

// passes asserts that m matches actual.
func passes(t *testing.T, m types.GomegaMatcher, actual any) {
	t.Helper()
	ok, err := m.Match(actual)
	if err != nil {
		t.Fatalf("Match returned an error: %v", err)
	}
	if !ok {
		t.Fatalf("expected a match, got:\n%s", m.FailureMessage(actual))
	}
}

// response is an answer of the homeserver to the mock.
func response(status int, body string) *federation.Response {
	return &federation.Response{
		Sent:       federation.Sent{Method: "PUT", URI: "/_matrix/federation/v2/invite/!r:mock/$e"},
		StatusCode: status, Body: []byte(body),
	}
}

func signer(t *testing.T, server string) *matrix.Signer {
	t.Helper()
	s, err := matrix.GenerateSigner(server, "ed25519:test")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// keysOf is the published key document of s, parsed.
func keysOf(t *testing.T, signers ...*matrix.Signer) *matrix.ServerKeys {
	t.Helper()
	doc, err := matrix.BuildServerKeys(time.Now().Add(time.Hour).UnixMilli(), nil, signers...)
	if err != nil {
		t.Fatal(err)
	}
	data, err := doc.Encode()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := matrix.ParseServerKeys(data)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// invite is a hashed invite signed by the sender's server, in room
// version rv.
func invite(t *testing.T, rv matrix.RoomVersion, sender *matrix.Signer) matrix.Object {
	t.Helper()
	ev := matrix.MustParseObject(`{"type":"m.room.member","state_key":"@bob:hs","sender":"@alice:` + sender.ServerName + `",
		"room_id":"!room:` + sender.ServerName + `","content":{"membership":"invite"},"origin_server_ts":1700000000000,
		"depth":5,"prev_events":[],"auth_events":[]}`)
	if rv.EventIDFormat == matrix.EventIDOpaque {
		ev["event_id"] = "$inv:" + sender.ServerName
	}
	if err := sender.HashAndSignEvent(rv, ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

package identity

import (
	"net/http"
	"testing"

	"herald/harness/federation"
	"herald/harness/matrix"
	"herald/harness/mockhttp/mocktest"
)

// TestSignedBlocksPassAuthRules has Herald's mock homeserver — whose auth
// rules are written independently of this package — judge the blocks: a
// third-party invite exchanged with a correct block is issued, every wrong
// block is refused.
func TestSignedBlocksPassAuthRules(t *testing.T) {
	s := start(t, Env{})
	startFed := func() *federation.Server {
		f, err := federation.Start(t.Context(), mocktest.Env(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	home, remote := startFed(), startFed()
	home.Federate(remote.AsPeer())
	remote.Federate(home.AsPeer())
	alice, bob := remote.User("alice"), home.User("bob")
	inv := s.Store("email", "bob@example.org", "", alice)
	room := remote.CreateRoom(matrix.MustRoomVersion("10"), alice, federation.JoinRule("invite"),
		federation.WithState("m.room.third_party_invite", inv.Token, inv.EventContent()))

	exchange := func(target string, signed matrix.Object) int {
		t.Helper()
		res, err := home.ExchangeThirdPartyInvite(t.Context(), room.ID, map[string]any{
			"type": "m.room.member", "room_id": room.ID, "sender": alice, "state_key": target,
			"content": map[string]any{"membership": "invite", "third_party_invite": map[string]any{
				"display_name": inv.DisplayName, "signed": map[string]any(signed)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	for name, c := range map[string]struct {
		target string
		signed matrix.Object
	}{
		"forged key":        {bob, s.Signed(bob, inv.Token, SignedWith(s.ForgedKey()))},
		"corrupt signature": {bob, s.Signed(bob, inv.Token, CorruptSignature())},
		"another mxid":      {bob, s.Signed(home.User("mallory"), inv.Token)},
		"unknown token":     {bob, s.Signed(bob, "unknown-token")},
	} {
		if code := exchange(c.target, c.signed); code != http.StatusForbidden {
			t.Errorf("%s: the mock homeserver answered %d, want 403", name, code)
		}
	}
	if code := exchange(bob, s.Signed(bob, inv.Token, SignedWith(inv.Ephemeral))); code != http.StatusOK {
		t.Fatalf("a block signed with the ephemeral key: %d\n%s", code, remote.Journal.Transcript())
	}
	if room.Membership(bob) != "invite" {
		t.Errorf("bob is %q after the exchange", room.Membership(bob))
	}
	carol := home.User("carol")
	if code := exchange(carol, s.Signed(carol, inv.Token)); code != http.StatusOK {
		t.Fatalf("a block signed with the long-term key: %d\n%s", code, remote.Journal.Transcript())
	}
}

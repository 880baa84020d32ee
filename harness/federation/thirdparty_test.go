package federation

import (
	"net/http"
	"testing"

	"herald/harness/matrix"
)

func TestExchangeThirdPartyInvite(t *testing.T) {
	for _, v := range []string{"1", "10", "12"} {
		t.Run("v"+v, func(t *testing.T) {
			rv := matrix.MustRoomVersion(v)
			home, remote := pair(t, nil, nil)
			alice, bob := remote.User("alice"), home.User("bob")
			idServer, err := matrix.GenerateSigner("id.example", "ed25519:0")
			if err != nil {
				t.Fatal(err)
			}
			const token = "tok3n"
			room := remote.CreateRoom(rv, alice, WithState("m.room.third_party_invite", token, map[string]any{
				"display_name": "b…@example.org", "key_validity_url": "https://id.example/_matrix/identity/v2/pubkey/isvalid",
				"public_key": idServer.PublicKeyBase64(),
			}))
			signed := matrix.Object{"mxid": bob, "token": token}
			if err := idServer.SignJSON(signed); err != nil {
				t.Fatal(err)
			}
			exchange := func(signed matrix.Object) *Response {
				res, err := home.ExchangeThirdPartyInvite(t.Context(), room.ID, map[string]any{
					"type": "m.room.member", "room_id": room.ID, "sender": alice, "state_key": bob,
					"content": map[string]any{"membership": "invite", "third_party_invite": map[string]any{
						"display_name": "b…@example.org", "signed": map[string]any(signed)}},
				})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}

			forged := signed.Clone()
			forged["mxid"] = home.User("mallory")
			if res := exchange(forged); res.StatusCode != http.StatusForbidden {
				t.Errorf("a signed block for another mxid: want 403, got %v", res)
			}
			if res := exchange(signed); res.StatusCode != http.StatusOK {
				t.Fatalf("exchange: %v\n%s", res, remote.Journal.Transcript())
			}
			if room.Membership(bob) != "invite" {
				t.Errorf("bob is %q after the exchange", room.Membership(bob))
			}
			if inv := home.ReceivedInvites(); len(inv) != 1 || !inv[0].Valid {
				t.Errorf("the inviter should have sent bob's server a valid invite: %+v", inv)
			}
			noProblems(t, home, remote)
		})
	}
}

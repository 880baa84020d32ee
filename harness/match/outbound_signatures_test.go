package match

import (
	"testing"

	"herald/harness/matrix"
)

func TestOutboundCarrySignature(t *testing.T) {
	for _, ver := range []string{"1", "10", "12"} {
		rv := matrix.MustRoomVersion(ver)
		hs, _ := outboundSigner(t, "hs")
		mock, _ := outboundSigner(t, "mock")
		_, rules, _ := outboundRoom(t, rv, hs)
		if err := mock.SignEvent(rv, rules); err != nil {
			t.Fatal(err)
		}
		outboundExpect(t, OutboundCarrySignature(rv, "mock", mock.KeyID, mock.PublicKey()), rules, true)
		outboundExpect(t, OutboundCarrySignature(rv, "hs", hs.KeyID, hs.PublicKey()), rules, true)

		// Another key of the same name: no signature with the key asked for.
		other, _ := outboundSigner(t, "mock")
		outboundExpect(t, OutboundCarrySignature(rv, "mock", "ed25519:other", other.PublicKey()), rules, false, "no signature of mock with ed25519:other")
		// The right key ID, the wrong public key.
		outboundExpect(t, OutboundCarrySignature(rv, "mock", mock.KeyID, other.PublicKey()), rules, false, "mock", "its signatures:")

		// A change the signature covers.
		changed := rules.Clone()
		changed["origin_server_ts"] = 42
		outboundExpect(t, OutboundCarrySignature(rv, "mock", mock.KeyID, mock.PublicKey()), changed, false, "room v"+ver)

		// A signature of another server with the mock's key ID is not the mock's.
		stripped := rules.Clone()
		sigs, _ := stripped.GetObject("signatures")
		delete(sigs, "mock")
		outboundExpect(t, OutboundCarrySignature(rv, "mock", mock.KeyID, mock.PublicKey()), stripped, false, "no signature of mock")
	}
}

func TestOutboundBeSignedOnlyUnder(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	hs, _ := outboundSigner(t, "hs")
	_, rules, _ := outboundRoom(t, rv, hs)
	outboundExpect(t, OutboundBeSignedOnlyUnder("hs"), rules, true)
	outboundExpect(t, OutboundBeSignedOnlyUnder("hs", "mock"), rules, true)

	// The homeserver's own signature copied under the invitee's name.
	forged := rules.Clone()
	sigs, _ := forged.GetObject("signatures")
	sigs["mock"] = sigs["hs"]
	outboundExpect(t, OutboundBeSignedOnlyUnder("hs"), forged, false, "also carries signatures under mock")
	outboundExpect(t, OutboundBeSignedOnlyUnder("other"), rules, false, "under hs")
}

package identity

import (
	"testing"

	"herald/harness/matrix"
)

func TestSignedBlocksVerify(t *testing.T) {
	s := start(t, Env{})
	inv := s.Store("email", "bob@example.org", "!room:hs", "@alice:hs")
	const mxid = "@bob:hs"

	good := s.Signed(mxid, inv.Token)
	if got, _ := good.GetString("mxid"); got != mxid {
		t.Errorf("mxid = %q", got)
	}
	if got, _ := good.GetString("token"); got != inv.Token {
		t.Errorf("token = %q", got)
	}
	if err := verifies(good, s.LongTermKey()); err != nil {
		t.Errorf("the long-term signature does not verify: %v", err)
	}
	if !verifiesUnder(good, s.LongTermKey().PublicKey()) {
		t.Error("the long-term signature does not verify under the published key")
	}
	if verifiesUnder(good, inv.Ephemeral.PublicKey()) {
		t.Error("a long-term signature verifies under the ephemeral key")
	}

	eph := s.Signed(mxid, inv.Token, SignedWith(inv.Ephemeral))
	if err := verifies(eph, inv.Ephemeral); err != nil {
		t.Errorf("the ephemeral signature does not verify: %v", err)
	}

	withSender := s.Signed(mxid, inv.Token, WithSender(inv.Sender))
	if got, _ := withSender.GetString("sender"); got != inv.Sender {
		t.Errorf("sender = %q", got)
	}
	if err := verifies(withSender, s.LongTermKey()); err != nil {
		t.Errorf("the signature with sender does not verify: %v", err)
	}
	stripped := withSender.Clone()
	delete(stripped, "sender")
	if verifies(stripped, s.LongTermKey()) == nil {
		t.Error("the signature does not cover sender")
	}
}

func TestWrongSignaturesDoNotVerify(t *testing.T) {
	s := start(t, Env{})
	inv := s.Store("email", "bob@example.org", "!room:hs", "@alice:hs")
	published := [][]byte{s.LongTermKey().PublicKey(), inv.Ephemeral.PublicKey()}

	forged := s.ForgedKey()
	if forged.ServerName != s.Name() || forged.KeyID != s.LongTermKey().KeyID {
		t.Errorf("the forged key is filed as %s %s, want the long-term key's name and ID", forged.ServerName, forged.KeyID)
	}
	for name, block := range map[string]matrix.Object{
		"forged key":        s.Signed("@bob:hs", inv.Token, SignedWith(forged)),
		"corrupt signature": s.Signed("@bob:hs", inv.Token, CorruptSignature()),
		"corrupt ephemeral": s.Signed("@bob:hs", inv.Token, SignedWith(inv.Ephemeral), CorruptSignature()),
	} {
		for _, pub := range published {
			if verifiesUnder(block, pub) {
				t.Errorf("%s: a signature verifies under a published key: %v", name, block)
			}
		}
	}

	// A block for another mxid or token is correctly signed: the auth rules
	// refuse it for its content, not its signature.
	other := s.Signed("@mallory:hs", "not-"+inv.Token)
	if err := verifies(other, s.LongTermKey()); err != nil {
		t.Errorf("a block for another mxid and token should still verify: %v", err)
	}
	tampered := s.Signed("@bob:hs", inv.Token)
	tampered["mxid"] = "@mallory:hs"
	if verifies(tampered, s.LongTermKey()) == nil {
		t.Error("changing mxid after signing keeps the signature valid")
	}
}

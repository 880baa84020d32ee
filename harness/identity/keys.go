package identity

import (
	"fmt"

	"herald/harness/matrix"
)

// LongTermKey is the mock's long-term key (ed25519:0 unless KeyID says
// otherwise), published at /pubkey/{keyId} and valid at /pubkey/isvalid
// until revoked.
func (s *Server) LongTermKey() *matrix.Signer { return s.longTerm }

// ForgedKey returns a fresh key filed under the mock's name and its
// long-term key ID, but which the mock never published: a signature by it
// looks like the mock's and must not verify under any key the mock gave out.
func (s *Server) ForgedKey() *matrix.Signer {
	k, err := matrix.GenerateSigner(s.Name(), s.longTerm.KeyID)
	if err != nil {
		panic(fmt.Sprintf("identity: generating a key: %v", err))
	}
	return k
}

// newEphemeralKey makes the short-term key of one stored invite.
func (s *Server) newEphemeralKey() *matrix.Signer {
	s.mu.Lock()
	s.ephSeq++
	id := fmt.Sprintf("ed25519:ephemeral_%d", s.ephSeq)
	s.mu.Unlock()
	k, err := matrix.GenerateSigner(s.Name(), id)
	if err != nil {
		panic(fmt.Sprintf("identity: generating a key: %v", err))
	}
	return k
}

// SignOption changes how Signed signs a block.
type SignOption func(*signConfig)

type signConfig struct {
	key     *matrix.Signer
	sender  string
	corrupt bool
	omit    map[string]bool
}

// SignedWith signs with k instead of the long-term key: an invite's
// ephemeral key, or a ForgedKey.
func SignedWith(k *matrix.Signer) SignOption { return func(c *signConfig) { c.key = k } }

// WithSender adds sender to the signed fields, as /sign-ed25519 and a
// client's third_party_signed do.
func WithSender(sender string) SignOption { return func(c *signConfig) { c.sender = sender } }

// CorruptSignature flips a bit of the signature after signing.
func CorruptSignature() SignOption { return func(c *signConfig) { c.corrupt = true } }

// Omitting leaves field (mxid, token, sender or signatures) out of the
// block: a block without a field it requires, whose signature still
// verifies over what remains (without signatures, it is not signed).
func Omitting(field string) SignOption {
	return func(c *signConfig) {
		if c.omit == nil {
			c.omit = map[string]bool{}
		}
		c.omit[field] = true
	}
}

// Signed returns a signed block {mxid, token, signatures} of a third-party
// invite (signed_third_party_invite.yaml) as the mock would hand it out at
// binding time: signed with the long-term key under the mock's name
// (appendices.md "Signing JSON"). Options sign with another key, add the
// sender or corrupt the signature; a block for the wrong mxid or token is
// just Signed with those values.
func (s *Server) Signed(mxid, token string, opts ...SignOption) matrix.Object {
	c := signConfig{key: s.longTerm}
	for _, o := range opts {
		o(&c)
	}
	block := matrix.Object{"mxid": mxid, "token": token}
	if c.sender != "" {
		block["sender"] = c.sender
	}
	for field := range c.omit {
		delete(block, field)
	}
	if c.omit["signatures"] {
		return block
	}
	sig, err := c.key.Signature(block)
	if err != nil {
		panic(fmt.Sprintf("identity: signing %v: %v", block, err))
	}
	if c.corrupt {
		raw, _ := matrix.DecodeBase64(sig)
		raw[len(raw)/2] ^= 0x01
		sig = matrix.EncodeBase64(raw)
	}
	block["signatures"] = map[string]any{c.key.ServerName: map[string]any{c.key.KeyID: sig}}
	return block
}

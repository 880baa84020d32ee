package matrix

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Signing JSON, appendices.md "Signing JSON", "Signing Details" and
// "Checking for a Signature"; events, server-server-api.md "Signing
// Events".

var (
	// ErrMissingSignature is wrapped when the object has no signature
	// from the server, or none with the key ID.
	ErrMissingSignature = errors.New("signature missing")
	// ErrBadSignatureEncoding is wrapped when a signature is not a
	// string of unpadded Base64 encoding 64 bytes.
	ErrBadSignatureEncoding = errors.New("signature is not valid base64 of an ed25519 signature")
	// ErrSignatureMismatch is wrapped when a signature does not verify.
	ErrSignatureMismatch = errors.New("signature does not verify")
	// ErrBadKey is wrapped when a public key is not an ed25519 key.
	ErrBadKey = errors.New("not an ed25519 public key")
)

// SignatureError tells which signature failed to verify and why. Err
// wraps one of the Err* sentinels of this package, or the error that
// prevented canonicalising the object.
type SignatureError struct {
	// Server is the server whose signature was checked.
	Server string
	// KeyID is the key ID of the signature.
	KeyID string
	// Err is the reason.
	Err error
}

// Error describes the failure.
func (e *SignatureError) Error() string {
	return fmt.Sprintf("matrix: verify signature of %s with key %s: %v", e.Server, e.KeyID, e.Err)
}

// Unwrap returns the cause.
func (e *SignatureError) Unwrap() error { return e.Err }

// Signer signs JSON as one server with one ed25519 key.
type Signer struct {
	// ServerName is the name the signature is filed under.
	ServerName string
	// KeyID is the signing key identifier, "ed25519:" + version.
	KeyID string
	// PrivateKey is the ed25519 private key.
	PrivateKey ed25519.PrivateKey
}

// NewSigner returns a signer for serverName whose key is derived from
// the 32-byte ed25519 seed. keyID must be "ed25519:" followed by one or
// more of [a-zA-Z0-9_] (definitions/keys.yaml).
func NewSigner(serverName, keyID string, seed []byte) (*Signer, error) {
	if err := checkKeyID(keyID); err != nil {
		return nil, fmt.Errorf("matrix: new signer: %w", err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("matrix: new signer: seed has %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	return &Signer{ServerName: serverName, KeyID: keyID, PrivateKey: ed25519.NewKeyFromSeed(seed)}, nil
}

// GenerateSigner returns a signer with a fresh random key.
func GenerateSigner(serverName, keyID string) (*Signer, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("matrix: generate signer: %w", err)
	}
	return NewSigner(serverName, keyID, seed)
}

func checkKeyID(keyID string) error {
	alg, version, ok := strings.Cut(keyID, ":")
	if !ok || alg != "ed25519" || version == "" {
		return fmt.Errorf("key ID %q is not of the form ed25519:<version>", keyID)
	}
	for i := 0; i < len(version); i++ {
		c := version[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return fmt.Errorf("key ID %q: version has character %q outside [a-zA-Z0-9_]", keyID, c)
		}
	}
	return nil
}

// PublicKey returns the signer's public key.
func (s *Signer) PublicKey() ed25519.PublicKey {
	return s.PrivateKey.Public().(ed25519.PublicKey)
}

// PublicKeyBase64 returns the public key as unpadded Base64, as published
// in verify_keys.
func (s *Signer) PublicKeyBase64() string { return EncodeBase64(s.PublicKey()) }

// signingInput is the canonical JSON that a signature of obj covers:
// obj without signatures and unsigned.
func signingInput(obj Object, strict bool) ([]byte, error) {
	rest := obj.Without("signatures", "unsigned")
	if strict {
		return CanonicalJSON(rest)
	}
	return CanonicalJSONLax(rest)
}

// Signature returns the unpadded Base64 signature of obj (without its
// signatures and unsigned) in lax canonical JSON, which equals strict
// canonical JSON whenever the latter exists.
func (s *Signer) Signature(obj Object) (string, error) {
	return s.signature(obj, false)
}

func (s *Signer) signature(obj Object, strict bool) (string, error) {
	msg, err := signingInput(obj, strict)
	if err != nil {
		return "", fmt.Errorf("matrix: sign as %s: %w", s.ServerName, err)
	}
	return EncodeBase64(ed25519.Sign(s.PrivateKey, msg)), nil
}

// SignJSON signs obj and adds the signature, in place, under
// signatures[ServerName][KeyID], keeping other signatures and unsigned.
func (s *Signer) SignJSON(obj Object) error {
	sig, err := s.Signature(obj)
	if err != nil {
		return err
	}
	return addSignature(obj, s.ServerName, s.KeyID, sig)
}

func addSignature(obj Object, server, keyID, sig string) error {
	sigs, ok := obj.GetObject("signatures")
	if !ok {
		if obj.Has("signatures") {
			return fmt.Errorf("matrix: add signature: signatures is %s, not an object", JSONKind(obj["signatures"]))
		}
		sigs = Object{}
		obj["signatures"] = map[string]any(sigs)
	}
	mine, ok := sigs.GetObject(server)
	if !ok {
		if sigs.Has(server) {
			return fmt.Errorf("matrix: add signature: signatures[%q] is %s, not an object", server, JSONKind(sigs[server]))
		}
		mine = Object{}
		sigs[server] = map[string]any(mine)
	}
	mine[keyID] = sig
	return nil
}

// SignEvent signs the redacted form of event in the room version and
// adds the signature to event itself (server-server-api.md "Adding
// hashes and signatures to outgoing events"). The content hash must
// already be set; see [Signer.HashAndSignEvent].
func (s *Signer) SignEvent(rv RoomVersion, event Object) error {
	red, err := rv.Redact(event)
	if err != nil {
		return fmt.Errorf("matrix: sign event: %w", err)
	}
	sig, err := s.signature(red, rv.StrictCanonicalJSON)
	if err != nil {
		return fmt.Errorf("matrix: sign event (room v%s): %w", rv.ID, err)
	}
	return addSignature(event, s.ServerName, s.KeyID, sig)
}

// HashAndSignEvent sets hashes.sha256 and then signs event.
func (s *Signer) HashAndSignEvent(rv RoomVersion, event Object) error {
	if err := rv.AddContentHash(event); err != nil {
		return err
	}
	return s.SignEvent(rv, event)
}

// SignatureKeyIDs returns the sorted key IDs under signatures[server],
// whatever their algorithm.
func SignatureKeyIDs(obj Object, server string) []string {
	sigs, _ := obj.GetObject("signatures")
	mine, _ := sigs.GetObject(server)
	var ids []string
	for k := range mine {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	return ids
}

// VerifyJSON checks that obj carries a valid signature by server with
// keyID under the public key (appendices.md "Checking for a Signature"),
// over lax canonical JSON. Errors are *SignatureError.
func VerifyJSON(obj Object, server, keyID string, key ed25519.PublicKey) error {
	return verify(obj, obj, server, keyID, key, false)
}

// VerifyEventSignature checks server's signature with keyID on event: the
// event is redacted per the room version first, so the check passes for a
// full event and for a redacted copy alike (server-server-api.md
// "Validating hashes and signatures on received events"). It does not
// check the content hash; see [RoomVersion.CheckContentHash]. Errors are
// *SignatureError.
func (rv RoomVersion) VerifyEventSignature(event Object, server, keyID string, key ed25519.PublicKey) error {
	red, err := rv.Redact(event)
	if err != nil {
		return &SignatureError{Server: server, KeyID: keyID, Err: err}
	}
	return verify(event, red, server, keyID, key, rv.StrictCanonicalJSON)
}

// verify looks the signature up in sigSource and checks it over signed.
func verify(sigSource, signed Object, server, keyID string, key ed25519.PublicKey, strict bool) error {
	fail := func(err error) error { return &SignatureError{Server: server, KeyID: keyID, Err: err} }
	if len(key) != ed25519.PublicKeySize {
		return fail(fmt.Errorf("%w: %d bytes", ErrBadKey, len(key)))
	}
	sigs, ok := sigSource.GetObject("signatures")
	if !ok {
		return fail(fmt.Errorf("%w: no signatures object", ErrMissingSignature))
	}
	mine, ok := sigs.GetObject(server)
	if !ok {
		return fail(fmt.Errorf("%w: no signatures from %s", ErrMissingSignature, server))
	}
	raw, ok := mine[keyID]
	if !ok {
		return fail(fmt.Errorf("%w: %s signed with %v only", ErrMissingSignature, server, SignatureKeyIDs(sigSource, server)))
	}
	enc, ok := raw.(string)
	if !ok {
		return fail(fmt.Errorf("%w: it is %s", ErrBadSignatureEncoding, JSONKind(raw)))
	}
	sig, err := DecodeBase64(enc)
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrBadSignatureEncoding, err))
	}
	if len(sig) != ed25519.SignatureSize {
		return fail(fmt.Errorf("%w: %d bytes", ErrBadSignatureEncoding, len(sig)))
	}
	msg, err := signingInput(signed, strict)
	if err != nil {
		return fail(err)
	}
	if !ed25519.Verify(key, msg, sig) {
		return fail(ErrSignatureMismatch)
	}
	return nil
}

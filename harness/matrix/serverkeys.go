package matrix

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Server key documents, GET /_matrix/key/v2/server (server-server-api.md
// "Publishing Keys", data/api/server-server/definitions/keys.yaml).

// OldVerifyKey is an entry of old_verify_keys.
type OldVerifyKey struct {
	// Key is the public key.
	Key ed25519.PublicKey
	// ExpiredTS is when the key stopped being used, in ms since the epoch.
	ExpiredTS int64
}

// ServerKeys is a parsed /_matrix/key/v2/server response.
type ServerKeys struct {
	// ServerName is the server the document describes.
	ServerName string
	// ValidUntilTS is when the keys should be refetched, in ms since the
	// epoch.
	ValidUntilTS int64
	// VerifyKeys are the current ed25519 keys by key ID; keys of other
	// algorithms are left out.
	VerifyKeys map[string]ed25519.PublicKey
	// OldVerifyKeys are the former ed25519 keys by key ID.
	OldVerifyKeys map[string]OldVerifyKey
	// Raw is the document as received, signatures included.
	Raw Object
}

// BuildServerKeys returns a /_matrix/key/v2/server response listing every
// signer's key in verify_keys and the given old keys, signed by every
// signer. All signers must share one server name.
func BuildServerKeys(validUntilTS int64, old map[string]OldVerifyKey, signers ...*Signer) (Object, error) {
	if len(signers) == 0 {
		return nil, errors.New("matrix: build server keys: no signer")
	}
	name := signers[0].ServerName
	verify := map[string]any{}
	for _, s := range signers {
		if s.ServerName != name {
			return nil, fmt.Errorf("matrix: build server keys: signers for %q and %q", name, s.ServerName)
		}
		verify[s.KeyID] = map[string]any{"key": s.PublicKeyBase64()}
	}
	oldKeys := map[string]any{}
	for id, k := range old {
		oldKeys[id] = map[string]any{"key": EncodeBase64(k.Key), "expired_ts": k.ExpiredTS}
	}
	doc := Object{
		"server_name":     name,
		"verify_keys":     verify,
		"old_verify_keys": oldKeys,
		"valid_until_ts":  validUntilTS,
	}
	for _, s := range signers {
		if err := s.SignJSON(doc); err != nil {
			return nil, fmt.Errorf("matrix: build server keys: %w", err)
		}
	}
	return doc, nil
}

// ParseServerKeys parses a /_matrix/key/v2/server response and checks its
// shape: server_name, verify_keys, valid_until_ts and signatures are
// required; key IDs must be "<algorithm>:<[a-zA-Z0-9_]+>"; ed25519 keys
// must decode to 32 bytes; old keys need key and expired_ts. Keys of other
// algorithms are skipped. It does not verify signatures; see
// [ServerKeys.VerifySelfSignatures] and [VerifyServerKeys].
func ParseServerKeys(data []byte) (*ServerKeys, error) {
	fail := func(format string, args ...any) (*ServerKeys, error) {
		return nil, fmt.Errorf("matrix: parse server keys: "+format, args...)
	}
	doc, err := ParseObject(data)
	if err != nil {
		return fail("%w", err)
	}
	k := &ServerKeys{Raw: doc, VerifyKeys: map[string]ed25519.PublicKey{}, OldVerifyKeys: map[string]OldVerifyKey{}}
	var ok bool
	if k.ServerName, ok = doc.GetString("server_name"); !ok || k.ServerName == "" {
		return fail("no server_name string")
	}
	if k.ValidUntilTS, ok = doc.GetInt("valid_until_ts"); !ok {
		return fail("no integer valid_until_ts")
	}
	if _, ok := doc.GetObject("signatures"); !ok {
		return fail("no signatures object")
	}
	verify, ok := doc.GetObject("verify_keys")
	if !ok {
		return fail("no verify_keys object")
	}
	err = eachKey("verify_keys", verify, func(id string, _ Object, key ed25519.PublicKey, skip bool) error {
		if !skip {
			k.VerifyKeys[id] = key
		}
		return nil
	})
	if err != nil {
		return fail("%w", err)
	}
	if v, present := doc["old_verify_keys"]; present {
		old, ok := asObject(v)
		if !ok {
			return fail("old_verify_keys is not an object")
		}
		err := eachKey("old_verify_keys", old, func(id string, entry Object, key ed25519.PublicKey, skip bool) error {
			ts, ok := entry.GetInt("expired_ts")
			if !ok {
				return fmt.Errorf("old_verify_keys[%q] has no integer expired_ts", id)
			}
			if !skip {
				k.OldVerifyKeys[id] = OldVerifyKey{Key: key, ExpiredTS: ts}
			}
			return nil
		})
		if err != nil {
			return fail("%w", err)
		}
	}
	return k, nil
}

// eachKey reads each entry of keys, the verify_keys or old_verify_keys
// (field) of a key document, and hands it to use with its ed25519 key, or
// with skip set for a key of another algorithm.
func eachKey(field string, keys Object, use func(id string, entry Object, key ed25519.PublicKey, skip bool) error) error {
	for id, v := range keys {
		entry, ok := asObject(v)
		if !ok {
			return fmt.Errorf("%s[%q] is not an object", field, id)
		}
		key, skip, err := parseKeyEntry(id, entry)
		if err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		if err := use(id, entry, key, skip); err != nil {
			return err
		}
	}
	return nil
}

func parseKeyEntry(id string, entry Object) (key ed25519.PublicKey, skip bool, err error) {
	alg, version, ok := strings.Cut(id, ":")
	if !ok || alg == "" || version == "" {
		return nil, false, fmt.Errorf("key ID %q is not <algorithm>:<version>", id)
	}
	for i := 0; i < len(version); i++ {
		c := version[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return nil, false, fmt.Errorf("key ID %q: version has character %q outside [a-zA-Z0-9_]", id, c)
		}
	}
	enc, ok := entry.GetString("key")
	if !ok {
		return nil, false, fmt.Errorf("%q has no key string", id)
	}
	if alg != "ed25519" {
		return nil, true, nil
	}
	b, err := DecodeBase64(enc)
	if err != nil {
		return nil, false, fmt.Errorf("%q: %w", id, err)
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, false, fmt.Errorf("%q: key has %d bytes, want %d", id, len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), false, nil
}

// Key returns the ed25519 key with the given ID from verify_keys, or else
// from old_verify_keys.
func (k *ServerKeys) Key(keyID string) (ed25519.PublicKey, bool) {
	if key, ok := k.VerifyKeys[keyID]; ok {
		return key, true
	}
	if old, ok := k.OldVerifyKeys[keyID]; ok {
		return old.Key, true
	}
	return nil, false
}

// VerifySelfSignatures checks that the document is signed by its own
// server with at least one of its verify_keys, and that every such
// signature verifies (keys.yaml: "signed using the verify_keys").
// Signatures by other servers (notaries) or by unlisted keys are ignored.
func (k *ServerKeys) VerifySelfSignatures() error {
	var ids []string
	for _, id := range SignatureKeyIDs(k.Raw, k.ServerName) {
		if _, ok := k.VerifyKeys[id]; ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		listed := make([]string, 0, len(k.VerifyKeys))
		for id := range k.VerifyKeys {
			listed = append(listed, id)
		}
		slices.Sort(listed)
		return fmt.Errorf("matrix: verify server keys of %s: %w: no signature by any of its verify_keys %v (signed with %v)",
			k.ServerName, ErrMissingSignature, listed, SignatureKeyIDs(k.Raw, k.ServerName))
	}
	for _, id := range ids {
		if err := VerifyJSON(k.Raw, k.ServerName, id, k.VerifyKeys[id]); err != nil {
			return fmt.Errorf("matrix: verify server keys of %s: %w", k.ServerName, err)
		}
	}
	return nil
}

// VerifyServerKeys parses a /_matrix/key/v2/server response, checks that
// it is for serverName (if not empty) and verifies its self-signatures.
func VerifyServerKeys(data []byte, serverName string) (*ServerKeys, error) {
	k, err := ParseServerKeys(data)
	if err != nil {
		return nil, err
	}
	if serverName != "" && k.ServerName != serverName {
		return nil, fmt.Errorf("matrix: verify server keys: document is for %q, expected %q", k.ServerName, serverName)
	}
	if err := k.VerifySelfSignatures(); err != nil {
		return nil, err
	}
	return k, nil
}

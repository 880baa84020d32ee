package federation

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"maps"
	"net/http"
	"sync"
	"time"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
)

// serveKeys answers GET /_matrix/key/v2/server (and the deprecated
// /server/{keyId}, with the same document): the mock's key, self-signed
// (server-server-api.md "Publishing Keys").
func (s *Server) serveKeys(r *Request) *Reply {
	doc, err := s.KeyDocument()
	if err != nil {
		r.Check("building the mock's key document", err)
		return errorReply(http.StatusInternalServerError, "M_UNKNOWN", "%v", err)
	}
	return jsonReply(http.StatusOK, doc)
}

// KeyDocument is the mock's /_matrix/key/v2/server answer: its current
// key in verify_keys, the keys RotateKey retired in old_verify_keys.
func (s *Server) KeyDocument() (matrix.Object, error) {
	s.mu.Lock()
	old := maps.Clone(s.oldKeys)
	s.mu.Unlock()
	return matrix.BuildServerKeys(time.Now().Add(s.cfg.keyValidity).UnixMilli(), old, s.Signer())
}

// PublishedKeys is the mock's key document as a peer reads it from
// /_matrix/key/v2/server: the keys a signature of the mock verifies under.
func (s *Server) PublishedKeys() (*matrix.ServerKeys, error) {
	doc, err := s.KeyDocument()
	if err != nil {
		return nil, err
	}
	data, err := doc.Encode()
	if err != nil {
		return nil, fmt.Errorf("federation: encoding the key document of %s: %w", s.Name(), err)
	}
	return matrix.ParseServerKeys(data)
}

// RotateKey gives the mock a fresh signing key and moves the current one
// to old_verify_keys, expired now; it returns the retired key, with which
// a spec can still sign (wrongly, for requests). Events signed before
// keep verifying under the old key.
func (s *Server) RotateKey() (*matrix.Signer, error) {
	next, err := matrix.GenerateSigner(s.Name(), "ed25519:"+mockhttp.RandomToken(6))
	if err != nil {
		return nil, fmt.Errorf("federation: rotate the key of %s: %w", s.Name(), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.signer.Swap(next)
	s.oldKeys[old.KeyID] = matrix.OldVerifyKey{Key: old.PublicKey(), ExpiredTS: time.Now().UnixMilli()}
	return old, nil
}

// keyCache holds the peer's published keys, fetched over TLS on first use
// and again whenever what it holds cannot answer: a key ID it does not
// list (or lists only as old, for a request signature), or a document past
// its valid_until_ts (keys.yaml: "the list of valid keys should be
// refreshed" then), so a server that rotates its keys is followed.
type keyCache struct {
	server *Server
	mu     sync.Mutex // held across a fetch, so only one runs at a time
	keys   *matrix.ServerKeys
}

// lookup returns the public key server signed an event with: the mock's
// own (current or retired), or the peer's from verify_keys or
// old_verify_keys (fetched if needed), with the peer's document, whose
// validity the caller judges per room version. Any other server is
// unknown.
func (c *keyCache) lookup(ctx context.Context, server, keyID string) (ed25519.PublicKey, *matrix.ServerKeys, error) {
	if k, own, err := c.server.ownKey(server, keyID, true); own {
		return k, nil, err
	}
	keys, err := c.get(ctx, server, func(k *matrix.ServerKeys) bool { _, ok := k.Key(keyID); return ok })
	if err != nil {
		return nil, nil, err
	}
	k, ok := keys.Key(keyID)
	if !ok {
		return nil, nil, fmt.Errorf("%s does not publish a key %s (it lists %v)", server, keyID, keyIDs(keys))
	}
	return k, keys, nil
}

// current returns the key server signed a request with, which must be in
// the verify_keys of a document valid now: a key in old_verify_keys, or
// one whose document's valid_until_ts has passed even after a refetch,
// has expired (server-server-api.md "Request Authentication": requests
// are signed with the origin's current key; keys.yaml old_verify_keys are
// keys "no longer used").
func (c *keyCache) current(ctx context.Context, server, keyID string) (ed25519.PublicKey, error) {
	if k, own, err := c.server.ownKey(server, keyID, false); own {
		return k, err
	}
	keys, err := c.get(ctx, server, func(k *matrix.ServerKeys) bool { _, ok := k.VerifyKeys[keyID]; return ok })
	if err != nil {
		return nil, err
	}
	if k, ok := keys.VerifyKeys[keyID]; ok {
		if now := time.Now().UnixMilli(); keys.ValidUntilTS < now {
			return nil, fmt.Errorf("%s's key document, fetched again, is valid until %s, which has passed: its key %s has expired",
				server, time.UnixMilli(keys.ValidUntilTS).UTC().Format(time.RFC3339), keyID)
		}
		return k, nil
	}
	if old, ok := keys.OldVerifyKeys[keyID]; ok {
		return nil, fmt.Errorf("%s lists %s in old_verify_keys (expired %s): a request must be signed with a key of verify_keys",
			server, keyID, time.UnixMilli(old.ExpiredTS).UTC().Format(time.RFC3339))
	}
	return nil, fmt.Errorf("%s does not publish a key %s (it lists %v)", server, keyID, keyIDs(keys))
}

// ownKey answers for the mock's own keys: own is false for any other
// server. Retired keys count only if old is true.
func (s *Server) ownKey(server, keyID string, old bool) (k ed25519.PublicKey, own bool, err error) {
	if server != s.Name() {
		return nil, false, nil
	}
	if cur := s.Signer(); keyID == cur.KeyID {
		return cur.PublicKey(), true, nil
	}
	s.mu.Lock()
	retired, ok := s.oldKeys[keyID]
	s.mu.Unlock()
	if ok && old {
		return retired.Key, true, nil
	}
	return nil, true, fmt.Errorf("the mock %s has no current key %s", server, keyID)
}

// get returns the peer's key document, fetching it again unless the one
// held is still valid and satisfies enough.
func (c *keyCache) get(ctx context.Context, server string, enough func(*matrix.ServerKeys) bool) (*matrix.ServerKeys, error) {
	s := c.server
	peer := s.Peer()
	if server != peer.Name {
		return nil, fmt.Errorf("%s is neither the mock nor its peer %s: the mock cannot fetch its keys", server, peer.Name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if k := c.keys; k != nil && k.ServerName == server && k.ValidUntilTS >= time.Now().UnixMilli() && enough(k) {
		return k, nil
	}
	keys, _, err := s.fetchKeys(ctx)
	if err != nil {
		return nil, err
	}
	c.keys = keys
	return keys, nil
}

func keyIDs(k *matrix.ServerKeys) []string {
	var ids []string
	for id := range k.VerifyKeys {
		ids = append(ids, id)
	}
	for id := range k.OldVerifyKeys {
		ids = append(ids, id+" (old)")
	}
	return ids
}

// FetchKeys fetches the peer's /_matrix/key/v2/server over TLS and
// verifies it: well formed, for the peer's name, self-signed by its
// verify_keys. The result also refreshes the mock's key cache.
func (s *Server) FetchKeys(ctx context.Context) (*matrix.ServerKeys, *Response, error) {
	keys, res, err := s.fetchKeys(ctx)
	if err == nil {
		s.keys.mu.Lock()
		s.keys.keys = keys
		s.keys.mu.Unlock()
	}
	return keys, res, err
}

func (s *Server) fetchKeys(ctx context.Context) (*matrix.ServerKeys, *Response, error) {
	peer := s.Peer()
	res, err := s.call(ctx, KeyServer, http.MethodGet, "/_matrix/key/v2/server", nil, []RequestOption{Unsigned()},
		func(res *Response) []Check {
			if res.StatusCode != http.StatusOK {
				return []Check{{Name: "key document of " + peer.Name, Err: fmt.Errorf("status %d", res.StatusCode)}}
			}
			_, err := matrix.VerifyServerKeys(res.Body, peer.Name)
			return []Check{{Name: "key document of " + peer.Name + " is well formed and self-signed", Err: err}}
		})
	if err != nil {
		return nil, res, fmt.Errorf("fetching the keys of %s: %w", peer.Name, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, res, fmt.Errorf("fetching the keys of %s: status %d", peer.Name, res.StatusCode)
	}
	keys, err := matrix.VerifyServerKeys(res.Body, peer.Name)
	if err != nil {
		return nil, res, fmt.Errorf("fetching the keys of %s: %w", peer.Name, err)
	}
	return keys, res, nil
}

package federation

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"sync"
	"time"

	"herald/harness/spec"
)

// keyValidity is how long the mock says its key document is valid.
const keyValidity = 24 * time.Hour

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

// KeyDocument is the mock's /_matrix/key/v2/server answer.
func (s *Server) KeyDocument() (spec.Object, error) {
	return spec.BuildServerKeys(time.Now().Add(keyValidity).UnixMilli(), nil, s.signer)
}

// keyCache holds the peer's published keys, fetched over TLS on first use
// and again when a request names a key ID it does not know.
type keyCache struct {
	server *Server
	mu     sync.Mutex // held across a fetch, so only one runs at a time
	keys   *spec.ServerKeys
}

// lookup returns the public key server uses with keyID: the mock's own,
// or the peer's (fetched if needed). Any other server is unknown.
func (c *keyCache) lookup(ctx context.Context, server, keyID string) (ed25519.PublicKey, *spec.ServerKeys, error) {
	s := c.server
	if server == s.name {
		if keyID != s.signer.KeyID {
			return nil, nil, fmt.Errorf("the mock %s has no key %s", server, keyID)
		}
		return s.signer.PublicKey(), nil, nil
	}
	peer := s.Peer()
	if server != peer.Name {
		return nil, nil, fmt.Errorf("%s is neither the mock nor its peer %s: the mock cannot fetch its keys", server, peer.Name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys != nil && c.keys.ServerName == server {
		if k, ok := c.keys.Key(keyID); ok {
			return k, c.keys, nil
		}
	}
	keys, _, err := s.fetchKeys(ctx)
	if err != nil {
		return nil, nil, err
	}
	c.keys = keys
	k, ok := keys.Key(keyID)
	if !ok {
		return nil, nil, fmt.Errorf("%s does not publish a key %s (it lists %v)", server, keyID, keyIDs(keys))
	}
	return k, keys, nil
}

func keyIDs(k *spec.ServerKeys) []string {
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
func (s *Server) FetchKeys(ctx context.Context) (*spec.ServerKeys, *Response, error) {
	keys, res, err := s.fetchKeys(ctx)
	if err == nil {
		s.keys.mu.Lock()
		s.keys.keys = keys
		s.keys.mu.Unlock()
	}
	return keys, res, err
}

func (s *Server) fetchKeys(ctx context.Context) (*spec.ServerKeys, *Response, error) {
	peer := s.Peer()
	res, err := s.call(ctx, KeyServer, http.MethodGet, "/_matrix/key/v2/server", nil, []RequestOption{Unsigned()},
		func(res *Response) []Check {
			if res.StatusCode != http.StatusOK {
				return []Check{{Name: "key document of " + peer.Name, Err: fmt.Errorf("status %d", res.StatusCode)}}
			}
			_, err := spec.VerifyServerKeys(res.Body, peer.Name)
			return []Check{{Name: "key document of " + peer.Name + " is well formed and self-signed", Err: err}}
		})
	if err != nil {
		return nil, res, fmt.Errorf("fetching the keys of %s: %w", peer.Name, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, res, fmt.Errorf("fetching the keys of %s: status %d", peer.Name, res.StatusCode)
	}
	keys, err := spec.VerifyServerKeys(res.Body, peer.Name)
	if err != nil {
		return nil, res, fmt.Errorf("fetching the keys of %s: %w", peer.Name, err)
	}
	return keys, res, nil
}

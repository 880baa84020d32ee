package identity

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
)

// Revoke makes key invalid from now on: /pubkey/isvalid (or
// /pubkey/ephemeral/isvalid) answers {"valid": false} for it.
func (s *Server) Revoke(key *matrix.Signer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked[string(key.PublicKey())] = true
}

// keyState says whether pub (raw bytes) is the long-term key, an
// invite's ephemeral key, and whether it was revoked.
func (s *Server) keyState(pub []byte) (longTerm, ephemeral, revoked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	longTerm = string(pub) == string(s.longTerm.PublicKey())
	for _, inv := range s.invites {
		if string(pub) == string(inv.Ephemeral.PublicKey()) {
			ephemeral = true
		}
	}
	return longTerm, ephemeral, s.revoked[string(pub)]
}

// queryKey decodes the public_key query parameter, standard or URL-safe
// base64 (v2_pubkey.yaml).
func queryKey(r *Request) ([]byte, *Reply) {
	raw := r.HTTP.URL.Query().Get("public_key")
	if raw == "" {
		return nil, r.Refuse("the request has the public_key parameter (required)", http.StatusBadRequest, "M_MISSING_PARAM", "public_key is required")
	}
	pub, err := matrix.DecodeBase64(raw)
	if err != nil {
		hint := ""
		if strings.Contains(raw, " ") {
			hint = " (it has a space: a '+' was not percent-encoded)"
		}
		return nil, r.Refuse("public_key is unpadded base64, percent-encoded in the query", http.StatusBadRequest, "M_INVALID_PARAM", "public_key %q is not unpadded base64%s: %v", raw, hint, err)
	}
	return pub, nil
}

// serveIsValid answers /pubkey/isvalid (long-term keys) and
// /pubkey/ephemeral/isvalid (invite keys): valid while not revoked.
func (s *Server) serveIsValid(ephemeralKeys bool) Handler {
	return func(r *Request) *Reply {
		pub, reply := queryKey(r)
		if reply != nil {
			return reply
		}
		longTerm, ephemeral, revoked := s.keyState(pub)
		valid := !revoked && ((ephemeralKeys && ephemeral) || (!ephemeralKeys && longTerm))
		if revoked {
			r.Note("the key was revoked")
		}
		return mockhttp.JSONReply(http.StatusOK, map[string]any{"valid": valid})
	}
}

// servePubKey answers /pubkey/{keyId}: the long-term key, or an invite's
// ephemeral key, by key ID.
func (s *Server) servePubKey(r *Request) *Reply {
	id := r.HTTP.PathValue("keyId")
	if id == s.longTerm.KeyID {
		return mockhttp.JSONReply(http.StatusOK, map[string]any{"public_key": s.longTerm.PublicKeyBase64()})
	}
	for _, inv := range s.Invites() {
		if inv.Ephemeral.KeyID == id {
			return mockhttp.JSONReply(http.StatusOK, map[string]any{"public_key": inv.Ephemeral.PublicKeyBase64()})
		}
	}
	return mockhttp.ErrorReply(http.StatusNotFound, "M_NOT_FOUND", "The public key was not found")
}

// AskedWhetherValid reports whether the homeserver asked the mock
// whether key is valid at validityURL (the key_validity_url an
// m.room.third_party_invite gave for it): GET on that path with the key in
// public_key, in either base64 alphabet.
func (s *Server) AskedWhetherValid(key *matrix.Signer, validityURL string) bool {
	u, err := url.Parse(validityURL)
	if err != nil {
		return false
	}
	for _, ex := range s.Journal.Requests() {
		path, query, _ := strings.Cut(ex.URI, "?")
		if ex.Method != http.MethodGet || path != u.Path {
			continue
		}
		q, err := url.ParseQuery(query)
		if err != nil {
			continue
		}
		// A '+' a client did not percent-encode reads as a space.
		raw, err := matrix.DecodeBase64(strings.ReplaceAll(q.Get("public_key"), " ", "+"))
		if err == nil && bytes.Equal(raw, key.PublicKey()) {
			return true
		}
	}
	return false
}

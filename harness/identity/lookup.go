package identity

import (
	"crypto/sha256"
	"net/http"
	"time"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
)

type binding struct{ medium, address string }

// Bind records that address (of medium, e.g. "email") belongs to mxid:
// lookups find it from now on, and store-invite refuses it.
func (s *Server) Bind(medium, address, mxid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bindings[binding{medium, address}] = mxid
}

func (s *Server) boundTo(medium, address string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mxid, ok := s.bindings[binding{medium, address}]
	return mxid, ok
}

// Pepper is the lookup_pepper the mock hands out.
func (s *Server) Pepper() string { return s.pepper }

// LookupHash is the sha256 lookup form of an address
// (identity-service-api.md "sha256"): URL-safe unpadded base64 of
// sha256("<address> <medium> <pepper>").
func LookupHash(address, medium, pepper string) string {
	sum := sha256.Sum256([]byte(address + " " + medium + " " + pepper))
	return matrix.EncodeBase64URL(sum[:])
}

func (s *Server) serveHashDetails(*Request) *Reply {
	return mockhttp.JSONReply(http.StatusOK, map[string]any{"lookup_pepper": s.pepper, "algorithms": []any{"none", "sha256"}})
}

// serveLookup answers POST /v2/lookup for the sha256 and none algorithms.
func (s *Server) serveLookup(r *Request, body matrix.Object) *Reply {
	alg, _ := body.GetString("algorithm")
	pepper, _ := body.GetString("pepper")
	addrs, ok := body.GetArray("addresses")
	if !ok {
		return r.Refuse("the lookup body has addresses (required)", http.StatusBadRequest, "M_MISSING_PARAM", "addresses is required")
	}
	if pepper != s.pepper {
		return r.Refuse("the lookup uses the pepper hash_details gave", http.StatusBadRequest, "M_INVALID_PEPPER", "pepper %q is not the mock's %q", pepper, s.pepper)
	}
	if alg != "sha256" && alg != "none" {
		return r.Refuse("the lookup uses an algorithm hash_details offered", http.StatusBadRequest, "M_INVALID_PARAM", "unknown algorithm %q", alg)
	}
	s.mu.Lock()
	known := map[string]string{}
	for b, mxid := range s.bindings {
		if alg == "sha256" {
			known[LookupHash(b.address, b.medium, s.pepper)] = mxid
		} else {
			known[b.address+" "+b.medium] = mxid
		}
	}
	s.mu.Unlock()
	mappings := map[string]any{}
	for _, a := range addrs {
		if str, ok := a.(string); ok {
			if mxid, ok := known[str]; ok {
				mappings[str] = mxid
			}
		}
	}
	return mockhttp.JSONReply(http.StatusOK, map[string]any{"mappings": mappings})
}

// serveLegacyLookup answers the removed v1 GET /lookup?medium=&address=:
// {} when unbound, else the association signed with the long-term key.
func (s *Server) serveLegacyLookup(r *Request) *Reply {
	q := r.HTTP.URL.Query()
	medium, address := q.Get("medium"), q.Get("address")
	mxid, ok := s.boundTo(medium, address)
	if !ok {
		return mockhttp.JSONReply(http.StatusOK, map[string]any{})
	}
	now := time.Now()
	assoc := matrix.Object{
		"address": address, "medium": medium, "mxid": mxid,
		"not_before": now.Add(-time.Hour).UnixMilli(), "not_after": now.Add(time.Hour).UnixMilli(), "ts": now.UnixMilli(),
	}
	if err := s.longTerm.SignJSON(assoc); err != nil {
		return mockhttp.ErrorReply(http.StatusInternalServerError, "M_UNKNOWN", "%v", err)
	}
	return mockhttp.JSONReply(http.StatusOK, map[string]any(assoc))
}

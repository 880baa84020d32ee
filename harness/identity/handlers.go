package identity

import (
	"net/http"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
)

// defaultHandler is the mock's own, spec-conformant answer for route
// (serve refuses an unrouted request before any handler).
func (s *Server) defaultHandler(route Route) Handler {
	switch route {
	case Versions:
		return JSON(http.StatusOK, map[string]any{"versions": []any{"v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12", "v1.13", "v1.14", "v1.15", "v1.16", "v1.17", "v1.18", "v1.19"}})
	case ServiceStatus, Logout:
		return JSON(http.StatusOK, map[string]any{})
	case Account:
		return JSON(http.StatusOK, map[string]any{"user_id": "@herald:" + s.cfg.Host})
	case Register:
		return func(*Request) *Reply {
			t := s.AccessToken()
			return mockhttp.JSONReply(http.StatusOK, map[string]any{"token": t, "access_token": t})
		}
	case Terms:
		return JSON(http.StatusOK, map[string]any{"policies": map[string]any{}})
	case AcceptTerms:
		return JSON(http.StatusOK, map[string]any{})
	case HashDetails:
		return s.serveHashDetails
	case Lookup:
		return withBody("lookup", s.serveLookup)
	case StoreInvite:
		return withBody("store-invite", s.serveStoreInvite)
	case PubKey, LegacyPubKey:
		return s.servePubKey
	case IsValid, LegacyIsValid:
		return s.serveIsValid(false)
	case EphemeralIsValid, LegacyEphemeralIsValid:
		return s.serveIsValid(true)
	case SignEd25519:
		return withBody("sign-ed25519", s.serveSignEd25519)
	case LegacyLookup:
		return s.serveLegacyLookup
	case LegacyStoreInvite:
		return s.serveLegacyStoreInvite
	}
	return func(r *Request) *Reply {
		return mockhttp.ErrorReply(http.StatusNotFound, "M_UNRECOGNIZED", "no default for %s", route)
	}
}

// withBody answers with h a request whose body is a JSON object, and
// refuses any other (400 M_NOT_JSON) as the homeserver's fault; what names
// the request in the failed check.
func withBody(what string, h func(r *Request, body matrix.Object) *Reply) Handler {
	return func(r *Request) *Reply {
		body, err := r.Object()
		if err != nil {
			return r.Refuse("the "+what+" body is a JSON object", http.StatusBadRequest, "M_NOT_JSON", "the body is not a JSON object: %v", err)
		}
		return h(r, body)
	}
}

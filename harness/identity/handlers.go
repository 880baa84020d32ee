package identity

import (
	"net/http"

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
		return s.serveLookup
	case StoreInvite:
		return s.serveStoreInvite
	case PubKey, LegacyPubKey:
		return s.servePubKey
	case IsValid, LegacyIsValid:
		return s.serveIsValid(false)
	case EphemeralIsValid, LegacyEphemeralIsValid:
		return s.serveIsValid(true)
	case SignEd25519:
		return s.serveSignEd25519
	case LegacyLookup:
		return s.serveLegacyLookup
	case LegacyStoreInvite:
		return s.serveLegacyStoreInvite
	}
	return func(r *Request) *Reply {
		return mockhttp.ErrorReply(http.StatusNotFound, "M_UNRECOGNIZED", "no default for %s", route)
	}
}

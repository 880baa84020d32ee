package identity

import (
	"strings"

	"herald/harness/mockhttp"
)

// Route identifies an endpoint. Its value is the net/http pattern the mock
// serves it under (method and path with {wildcards}); OnBind labels the
// mock's own calls to the homeserver.
type Route string

// Routes of the Identity Service API (identity-service-api.md) the mock
// serves, the legacy v1 routes a homeserver may still call, and the one
// federation endpoint the mock calls.
const (
	// Unrouted labels a request no route matched; the mock answers it 404
	// M_UNRECOGNIZED and journals it.
	Unrouted Route = ""

	Versions         Route = "GET /_matrix/identity/versions"
	ServiceStatus    Route = "GET /_matrix/identity/v2"
	Account          Route = "GET /_matrix/identity/v2/account"
	Register         Route = "POST /_matrix/identity/v2/account/register"
	Logout           Route = "POST /_matrix/identity/v2/account/logout"
	Terms            Route = "GET /_matrix/identity/v2/terms"
	AcceptTerms      Route = "POST /_matrix/identity/v2/terms"
	HashDetails      Route = "GET /_matrix/identity/v2/hash_details"
	Lookup           Route = "POST /_matrix/identity/v2/lookup"
	StoreInvite      Route = "POST /_matrix/identity/v2/store-invite"
	PubKey           Route = "GET /_matrix/identity/v2/pubkey/{keyId}"
	IsValid          Route = "GET /_matrix/identity/v2/pubkey/isvalid"
	EphemeralIsValid Route = "GET /_matrix/identity/v2/pubkey/ephemeral/isvalid"
	SignEd25519      Route = "POST /_matrix/identity/v2/sign-ed25519"

	// The v1 Identity Service API was removed from the spec; Dendrite
	// (0.13.8 and 0.15.2 seen) still calls it. The mock answers it the way v1 servers did,
	// so the rest of a third-party invite can be observed, and the journal
	// marks every such request.
	LegacyLookup           Route = "GET /_matrix/identity/api/v1/lookup"
	LegacyStoreInvite      Route = "POST /_matrix/identity/api/v1/store-invite"
	LegacyPubKey           Route = "GET /_matrix/identity/api/v1/pubkey/{keyId}"
	LegacyIsValid          Route = "GET /_matrix/identity/api/v1/pubkey/isvalid"
	LegacyEphemeralIsValid Route = "GET /_matrix/identity/api/v1/pubkey/ephemeral/isvalid"

	// OnBind is the homeserver's /3pid/onbind (server-server
	// third_party_invite.yaml), which the mock calls.
	OnBind Route = "POST /_matrix/federation/v1/3pid/onbind"
)

var routeNames = mockhttp.RouteNames[Route]{
	Unrouted:               "unrouted",
	Versions:               "versions",
	ServiceStatus:          "status",
	Account:                "account",
	Register:               "register",
	Logout:                 "logout",
	Terms:                  "terms",
	AcceptTerms:            "accept terms",
	HashDetails:            "hash_details",
	Lookup:                 "lookup",
	StoreInvite:            "store-invite",
	PubKey:                 "pubkey",
	IsValid:                "pubkey/isvalid",
	EphemeralIsValid:       "pubkey/ephemeral/isvalid",
	SignEd25519:            "sign-ed25519",
	LegacyLookup:           "legacy v1 lookup",
	LegacyStoreInvite:      "legacy v1 store-invite",
	LegacyPubKey:           "legacy v1 pubkey",
	LegacyIsValid:          "legacy v1 pubkey/isvalid",
	LegacyEphemeralIsValid: "legacy v1 pubkey/ephemeral/isvalid",
	OnBind:                 "3pid/onbind",
}

// served lists the routes the mock answers (every route but OnBind).
func served() []Route { return routeNames.Routes(OnBind) }

// Name is a short human name for the route ("store-invite").
func (r Route) Name() string { return routeNames.Name(r) }

// Path is the route's path pattern.
func (r Route) Path() string {
	_, p, _ := strings.Cut(string(r), " ")
	return p
}

// Legacy reports whether the route belongs to the removed v1 API.
func (r Route) Legacy() bool { return strings.Contains(string(r), "/_matrix/identity/api/v1/") }

// String is the route's name and pattern.
func (r Route) String() string { return routeNames.Describe(r) }

// authenticated routes need an access token (identity-service-api.md
// "Authentication"; the operations with accessTokenBearer security).
var authenticated = map[Route]bool{
	Account: true, Logout: true, AcceptTerms: true, HashDetails: true,
	Lookup: true, StoreInvite: true, SignEd25519: true,
}

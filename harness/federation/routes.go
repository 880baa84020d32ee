package federation

import (
	"strings"

	"herald/harness/mockhttp"
)

// Route identifies a federation endpoint. Its value is the net/http
// pattern the mock serves it under (method and path with {wildcards}), so
// the constant says exactly which request it stands for. The same
// constants label the mock's outbound calls to the same endpoints on the
// homeserver.
type Route string

// Routes of the server-server API (server-server-api.md) the mock knows.
const (
	// Unrouted labels a request that matched no route; the mock answers it
	// 404 M_UNRECOGNIZED and journals it as a Problem.
	Unrouted Route = ""

	KeyServer      Route = "GET /_matrix/key/v2/server"
	KeyServerByID  Route = "GET /_matrix/key/v2/server/{keyId}"
	Version        Route = "GET /_matrix/federation/v1/version"
	QueryProfile   Route = "GET /_matrix/federation/v1/query/profile"
	SendTxn        Route = "PUT /_matrix/federation/v1/send/{txnId}"
	InviteV1       Route = "PUT /_matrix/federation/v1/invite/{roomId}/{eventId}"
	InviteV2       Route = "PUT /_matrix/federation/v2/invite/{roomId}/{eventId}"
	MakeJoin       Route = "GET /_matrix/federation/v1/make_join/{roomId}/{userId}"
	SendJoinV1     Route = "PUT /_matrix/federation/v1/send_join/{roomId}/{eventId}"
	SendJoinV2     Route = "PUT /_matrix/federation/v2/send_join/{roomId}/{eventId}"
	MakeLeave      Route = "GET /_matrix/federation/v1/make_leave/{roomId}/{userId}"
	SendLeaveV1    Route = "PUT /_matrix/federation/v1/send_leave/{roomId}/{eventId}"
	SendLeaveV2    Route = "PUT /_matrix/federation/v2/send_leave/{roomId}/{eventId}"
	State          Route = "GET /_matrix/federation/v1/state/{roomId}"
	StateIDs       Route = "GET /_matrix/federation/v1/state_ids/{roomId}"
	GetEvent       Route = "GET /_matrix/federation/v1/event/{eventId}"
	EventAuth      Route = "GET /_matrix/federation/v1/event_auth/{roomId}/{eventId}"
	MissingEvents  Route = "POST /_matrix/federation/v1/get_missing_events/{roomId}"
	Backfill       Route = "GET /_matrix/federation/v1/backfill/{roomId}"
	UserDevices    Route = "GET /_matrix/federation/v1/user/devices/{userId}"
	UserKeysQuery  Route = "POST /_matrix/federation/v1/user/keys/query"
	UserKeysClaim  Route = "POST /_matrix/federation/v1/user/keys/claim"
	QueryDirectory Route = "GET /_matrix/federation/v1/query/directory"

	ExchangeThirdPartyInvite Route = "PUT /_matrix/federation/v1/exchange_third_party_invite/{roomId}"
)

// unauthenticated routes need no X-Matrix header (keys_server.yaml,
// version.yaml have no security requirement).
var unauthenticated = map[Route]bool{KeyServer: true, KeyServerByID: true, Version: true}

var routeNames = mockhttp.RouteNames[Route]{
	Unrouted:                 "unrouted",
	KeyServer:                "server keys",
	KeyServerByID:            "server key by ID",
	Version:                  "version",
	QueryProfile:             "profile query",
	SendTxn:                  "transaction",
	InviteV1:                 "invite v1",
	InviteV2:                 "invite v2",
	MakeJoin:                 "make_join",
	SendJoinV1:               "send_join v1",
	SendJoinV2:               "send_join v2",
	MakeLeave:                "make_leave",
	SendLeaveV1:              "send_leave v1",
	SendLeaveV2:              "send_leave v2",
	State:                    "state",
	StateIDs:                 "state_ids",
	GetEvent:                 "event",
	EventAuth:                "event_auth",
	MissingEvents:            "get_missing_events",
	Backfill:                 "backfill",
	UserDevices:              "user devices",
	UserKeysQuery:            "user keys query",
	UserKeysClaim:            "user keys claim",
	QueryDirectory:           "directory query",
	ExchangeThirdPartyInvite: "exchange_third_party_invite",
}

// allRoutes lists every route the mock serves.
func allRoutes() []Route { return routeNames.Routes() }

// Name is a short human name for the route ("invite v2").
func (r Route) Name() string { return routeNames.Name(r) }

// Method is the route's HTTP method.
func (r Route) Method() string {
	m, _, _ := strings.Cut(string(r), " ")
	return m
}

// String is the route's name and pattern.
func (r Route) String() string { return routeNames.Describe(r) }

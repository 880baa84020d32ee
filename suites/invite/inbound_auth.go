package invite

import (
	"context"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"herald/harness/conformance"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// badAuth is one way a federation request fails X-Matrix authentication.
type badAuth struct {
	id, what, section string
	opt               federation.RequestOption
}

var badAuths = []badAuth{
	{"NO-AUTH", "without an X-Matrix Authorization header", secRequestAuth + " (every request is authenticated)", federation.Unsigned()},
	{"BAD-AUTH", "whose X-Matrix signature does not verify", secRequestAuth + " (every request is authenticated)", federation.CorruptSignature()},
	{"WRONG-DESTINATION", "whose X-Matrix destination is another server", secRequestAuth + " (\"the receiving server must deny the request with an HTTP status code 401 Unauthorized\")",
		federation.ToDestination("elsewhere.herald.invalid")},
	// Signed for this server, so only the destination check itself can
	// refuse it (WRONG-DESTINATION is also refused by the signature check).
	{"DESTINATION-MISMATCH", "whose X-Matrix header names another server as destination, though it is signed for this one", secRequestAuth + " (\"If this property is included, but the value does not match the receiving server's name, the receiving server must deny the request with an HTTP status code 401 Unauthorized\")",
		federation.NamingDestination("elsewhere.herald.invalid")},
}

// signedEndpoint is a federation endpoint the seeds mark security:
// signedRequest, as the request authentication rules use it.
type signedEndpoint struct {
	prefix  string // of its rule IDs
	area    string
	request string // what one request is: "v2 invite request"
	effect  string // what a refused request must not do
	defined string // where the endpoint is defined as signedRequest
	// versions are the room versions the rules run in; nil: the
	// homeserver's default.
	versions []matrix.RoomVersion
	// arrange sets the scene in room version rv and returns a valid
	// request to the endpoint.
	arrange func(ctx SpecContext, rv matrix.RoomVersion) signedRequest
}

// signedRequest is one valid request to a signedEndpoint.
type signedRequest struct {
	// send sends it, shaped by opts.
	send func(ctx context.Context, opts ...federation.RequestOption) *federation.Response
	// guard registers the guards of a spec that sent it with bad
	// authentication, answered res: a refused request was not acted on,
	// and the server still accepts a valid one.
	guard func(ctx context.Context, res *federation.Response)
}

// authVersions are the room versions the request authentication rules run
// in where the API serves every version: the oldest and the newest, since
// authentication does not depend on the room.
var authVersions = []matrix.RoomVersion{matrix.MustRoomVersion("1"), matrix.MustRoomVersion("12")}

var signedEndpoints = []signedEndpoint{
	{
		prefix: "INVERR", area: areaErrors, request: "v2 invite request", effect: "does not deliver the invite",
		defined:  "invites-v2.yaml (security: signedRequest)",
		versions: authVersions,
		arrange:  inviteRequest(false),
	},
	{
		prefix: "INV1ERR", area: areaErrors, request: "v1 invite request", effect: "does not deliver the invite",
		defined:  "invites-v1.yaml (security: signedRequest; the v1 API serves room versions 1 and 2)",
		versions: v1Versions,
		arrange:  inviteRequest(true),
	},
	{
		prefix: "3PID-EXCHANGE", area: areaThirdParty, request: "exchange_third_party_invite request", effect: "issues no invite",
		defined:  "third_party_invite.yaml PUT /exchange_third_party_invite/{roomId} (security: signedRequest)",
		versions: authVersions,
		arrange: func(ctx SpecContext, rv matrix.RoomVersion) signedRequest {
			x := newExchangeScene(ctx, rv)
			return signedRequest{send: x.send, guard: x.guardAfterRefusal}
		},
	},
}

// inviteRequest arranges a valid invite of bob over the v1 or the v2 API;
// the guard's valid invite afterwards goes over the same API.
func inviteRequest(v1 bool) func(SpecContext, matrix.RoomVersion) signedRequest {
	return func(ctx SpecContext, rv matrix.RoomVersion) signedRequest {
		s := sceneFor(ctx, bed.NewUser(ctx, "bob"), rv, nil)
		invite := s.invite()
		send := s.sendV2
		if v1 {
			send = s.sendV1
		}
		return signedRequest{
			send: func(ctx context.Context, opts ...federation.RequestOption) *federation.Response {
				return send(ctx, invite, opts...)
			},
			guard: func(ctx context.Context, res *federation.Response) { s.guardAfterRefusalOver(ctx, res, s.room.ID, v1) },
		}
	}
}

// authRules registers, for every signedEndpoint, the request
// authentication refusals: 401, the request not acted on, the server
// still serving; and the errcode M_UNAUTHORIZED (MAY).
func authRules() {
	for _, e := range signedEndpoints {
		for _, b := range badAuths {
			what := article(e.request) + " " + b.what
			r := conformance.NewRule(e.prefix+"-"+b.id, conformance.MUST, e.area, b.section+"; "+e.defined,
				"refuses "+what+" with 401 and "+e.effect)
			inVersions(r, e.versions, func(ctx SpecContext, rv matrix.RoomVersion) {
				req := e.arrange(ctx, versionFor(ctx, rv))
				res := req.send(ctx, b.opt)
				req.guard(ctx, res)
				Expect(res).To(unauthorized(), "%s must be refused", what)
			})
		}

		// The errcode cannot depend on the room version: one spec, in the
		// newest version the endpoint's rules run in that the server offers.
		conformance.It(conformance.NewRule(e.prefix+"-AUTH-CODE", conformance.MAY, e.area,
			secRequestAuth+"; client-server-api §Common error codes (M_UNAUTHORIZED); "+e.defined,
			"refuses an unauthenticated, a badly signed and a misaddressed "+e.request+" with errcode M_UNAUTHORIZED"),
			func(ctx SpecContext) {
				req := e.arrange(ctx, versionFor(ctx, newestOffered(ctx, e.versions)))
				for _, b := range badAuths {
					res := req.send(ctx, b.opt)
					Expect(res).To(unauthorizedCode(), "%s %s", article(e.request), b.what)
				}
			})
	}
}

// unauthorized is the check of the request authentication rules: the
// request refused with 401 (server-server-api.md §Request Authentication).
func unauthorized() types.GomegaMatcher { return match.BeRefusedWith(http.StatusUnauthorized) }

// unauthorizedCode is the check of the AUTH-CODE rules.
func unauthorizedCode() types.GomegaMatcher { return match.HaveErrcode("M_UNAUTHORIZED") }

// inVersions defines rule r for every version in versions (IDs R/vN), or
// once in the homeserver's default room version (the zero RoomVersion)
// when versions is nil.
func inVersions(r conformance.Rule, versions []matrix.RoomVersion, body func(SpecContext, matrix.RoomVersion)) {
	if versions == nil {
		conformance.It(r, func(ctx SpecContext) { body(ctx, matrix.RoomVersion{}) })
		return
	}
	conformance.ForEachRoomVersion(r, body, versions...)
}

// versionFor is rv, once the homeserver is known to offer it, or the
// homeserver's default room version for the zero RoomVersion.
func versionFor(ctx SpecContext, rv matrix.RoomVersion) matrix.RoomVersion {
	GinkgoHelper()
	if rv.ID == "" {
		return bed.DefaultRoomVersion(ctx)
	}
	bed.RequireRoomVersion(ctx, rv)
	return rv
}

// newestOffered is the newest of versions the homeserver offers; the newest
// of them when it offers none (versionFor then skips the spec), and the zero
// version (its default) when versions is nil.
func newestOffered(ctx SpecContext, versions []matrix.RoomVersion) matrix.RoomVersion {
	GinkgoHelper()
	for i := len(versions) - 1; i >= 0; i-- {
		if bed.OffersRoomVersion(ctx, versions[i].ID) {
			return versions[i]
		}
	}
	if len(versions) > 0 {
		return versions[len(versions)-1]
	}
	return matrix.RoomVersion{}
}

// article puts "a" or "an" before noun.
func article(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

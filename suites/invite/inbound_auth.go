package invite

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	fed "herald/harness/federation"
	"herald/harness/match"
)

// badAuth is one way an invite request fails X-Matrix authentication.
type badAuth struct {
	id, what, section string
	opt               fed.RequestOption
}

var badAuths = []badAuth{
	{"NO-AUTH", "a v2 invite request without an X-Matrix Authorization header", secRequestAuth + " (every request is authenticated)", fed.Unsigned()},
	{"BAD-AUTH", "a v2 invite request whose X-Matrix signature does not verify", secRequestAuth + " (every request is authenticated)", fed.CorruptSignature()},
	{"WRONG-DESTINATION", "a v2 invite request whose X-Matrix destination is another server", secRequestAuth + " (\"the receiving server must deny the request with an HTTP status code 401 Unauthorized\")",
		fed.ToDestination("elsewhere.herald.invalid")},
}

// authRules registers the request authentication refusals of the v2
// invite endpoint: 401, the invite not processed, the server still
// serving.
func authRules() {
	for _, b := range badAuths {
		conformance.It(inboundRule("INVERR-"+b.id, conformance.MUST, areaErrors, b.section,
			"refuses "+b.what+" with 401 and does not deliver the invite"),
			func(ctx SpecContext) {
				s := newEverydayScene(ctx, nil)
				res := s.sendV2(ctx, s.invite(), b.opt)
				s.guardAfterRefusal(ctx, res, s.room.ID)
				Expect(res).To(match.BeRefusedWith(http.StatusUnauthorized), "%s must be refused", b.what)
			})
	}

	conformance.It(inboundRule("INVERR-AUTH-CODE", conformance.MAY, areaErrors,
		secRequestAuth+"; client-server-api §Common error codes (M_UNAUTHORIZED)",
		"refuses an unauthenticated, a badly signed and a misaddressed v2 invite request with errcode M_UNAUTHORIZED"),
		func(ctx SpecContext) {
			s := newEverydayScene(ctx, nil)
			for _, b := range badAuths {
				res := s.sendV2(ctx, s.invite(), b.opt)
				Expect(res).To(match.HaveErrcode("M_UNAUTHORIZED"), b.what)
			}
		})
}

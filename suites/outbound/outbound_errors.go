package outbound

import (
	"context"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// secCountersign is why an invite the invited server did not countersign
// must not complete.
const secCountersign = secInviting + ` ("when a user invites another user on a different homeserver, a request to that homeserver to have the event signed and verified must be made")`

// The invited server refuses the invite. Each refusal is scripted on both
// APIs, so a retry on v1 cannot complete the invite; the rooms have the
// homeserver's default version (never 1 or 2).
var _ = Describe("Outbound invite: the invited server refuses", func() {
	refuse := func(h federation.Handler) []federation.Option {
		return []federation.Option{federation.Answer(federation.InviteV2, h), federation.Answer(federation.InviteV1, h)}
	}
	forbidden := federation.Status(http.StatusForbidden, "M_FORBIDDEN")
	// The answer names the room's version, as the errcode requires.
	incompatibleFor := func(r *federation.Request) *federation.Reply {
		body, _ := r.Object()
		ver, _ := body.GetString("room_version")
		return federation.JSON(http.StatusBadRequest, map[string]any{
			"errcode": "M_INCOMPATIBLE_ROOM_VERSION", "error": "scripted by Herald: this server does not support the room's version", "room_version": ver,
		})(r)
	}

	// Each refusal is three rules: the invite fails (MUST), and the client
	// is told the status and the errcode (SHOULD).
	for _, r := range []struct {
		id     string
		answer federation.Handler
		// failSection and failSays: the client's invite fails and leaves
		// no invite in the room state.
		failSection, failSays string
		// status and statusSection, statusSays: the client's answer.
		status                    int
		statusSection, statusSays string
		// errcodes and codeSection, codeSays: the errcodes the client may
		// be given.
		errcodes              []string
		codeSection, codeSays string
	}{
		{
			id: "FORBIDDEN", answer: forbidden,
			failSection:   secCountersign + "; invites-v2.yaml 403",
			failSays:      "fails the client's invite when the invited server answers 403 M_FORBIDDEN, and leaves no invite in the room state",
			status:        http.StatusForbidden,
			statusSection: secClient + ` (403: "You do not have permission to invite the user to the room"); invites-v2.yaml 403 ("The homeserver does not permit anyone to invite its users")`,
			statusSays:    "answers the client's invite 403 when the invited server refuses it with 403 M_FORBIDDEN",
			errcodes:      []string{"M_FORBIDDEN"},
			codeSection:   secClient + ` (403, example errcode M_FORBIDDEN); invites-v2.yaml 403 (M_FORBIDDEN)`,
			codeSays:      "passes the invited server's M_FORBIDDEN on to the client",
		},
		{
			id: "INCOMPATIBLE", answer: incompatibleFor,
			failSection:   secCountersign + "; invites-v2.yaml 400 (M_INCOMPATIBLE_ROOM_VERSION)",
			failSays:      "fails the client's invite when the invited server answers 400 M_INCOMPATIBLE_ROOM_VERSION, and leaves no invite in the room state",
			status:        http.StatusBadRequest,
			statusSection: `invites-v2.yaml 400 ("The error should be passed through to clients so that they may give better feedback to users"); ` + secClient + " (400)",
			statusSays:    "answers the client's invite 400 when the invited server answers 400 M_INCOMPATIBLE_ROOM_VERSION",
			errcodes:      []string{"M_INCOMPATIBLE_ROOM_VERSION", "M_UNSUPPORTED_ROOM_VERSION"},
			codeSection:   `invites-v2.yaml 400 ("The error should be passed through to clients"); ` + secClient + ` (400: "residents of a homeserver which does not support the requested room version. The errcode will be M_UNSUPPORTED_ROOM_VERSION")`,
			codeSays:      "tells the client the invitee's server does not support the room version: errcode M_INCOMPATIBLE_ROOM_VERSION passed through, or M_UNSUPPORTED_ROOM_VERSION as the client-server API names it",
		},
	} {
		conformance.It(conformance.NewRule("OUTERR-"+r.id, conformance.MUST, areaErrors, r.failSection, r.failSays), func(ctx SpecContext) {
			iv := prepareDefault(ctx, refuse(r.answer)...).send(ctx)
			iv.firstTo(federation.InviteV2)
			iv.expectRefused(ctx)
		})
		conformance.It(conformance.NewRule("OUTERR-"+r.id+"-STATUS", conformance.SHOULD, areaErrors, r.statusSection, r.statusSays), func(ctx SpecContext) {
			iv := prepareDefault(ctx, refuse(r.answer)...).send(ctx)
			Expect(iv.res).To(match.HaveStatus(r.status), "%s", iv.explain())
		})
		conformance.It(conformance.NewRule("OUTERR-"+r.id+"-ERRCODE", conformance.SHOULD, areaErrors, r.codeSection, r.codeSays), func(ctx SpecContext) {
			iv := prepareDefault(ctx, refuse(r.answer)...).send(ctx)
			Expect(iv.res).To(match.HaveErrcode(r.errcodes...), "%s", iv.explain())
		})
	}

	// The module's MUST binds the invitee's homeserver ("the user's
	// homeserver MUST respond … with the Matrix error code
	// M_INVITE_BLOCKED"); for the inviter's, it states the outcome without
	// an RFC 2119 word ("Attempting to send an invite to a user that
	// blocks invites will result in an error response with the
	// M_INVITE_BLOCKED error code"), which only passing the code on makes
	// true for a remote invitee: SHOULD.
	blockedRule := conformance.NewRule("OUTERR-INVITE-BLOCKED", conformance.SHOULD, areaErrors,
		`client-server-api §Invite permission, Client behaviour (v1.18: "Attempting to send an invite to a user that blocks invites will result in an error response with the M_INVITE_BLOCKED error code"; the Server behaviour MUST binds the invitee's homeserver); `+secClient+` (403: "The M_INVITE_BLOCKED error code is used to indicate that the homeserver rejected the invite due to invite blocking"); invites-v2.yaml 403`,
		"passes the invited server's 403 M_INVITE_BLOCKED on to the client as 403 M_INVITE_BLOCKED")
	conformance.It(blockedRule, func(ctx SpecContext) {
		iv := prepareDefault(ctx, refuse(federation.Status(http.StatusForbidden, "M_INVITE_BLOCKED"))...).send(ctx)
		Expect(iv.res).To(match.HaveStatus(http.StatusForbidden), "%s", iv.explain())
		Expect(iv.res).To(match.HaveErrcode("M_INVITE_BLOCKED"), "%s", iv.explain())
	})

	for _, code := range []string{"M_INVALID_PARAM", "M_MISSING_PARAM"} {
		r := conformance.NewRule("OUTERR-"+strings.ReplaceAll(code[2:], "_", "-")+"-5XX", conformance.SHOULD, areaErrors,
			`invites-v2.yaml 400 ("If M_MISSING_PARAM or M_INVALID_PARAM is returned and the request is associated with a Client-Server API request, the Client-Server API request SHOULD fail with a 5xx error rather than being passed through")`,
			"fails the client's invite with a 5xx, not the 400, when the invited server answers 400 "+code)
		conformance.It(r, func(ctx SpecContext) {
			iv := prepareDefault(ctx, refuse(federation.Status(http.StatusBadRequest, code))...).send(ctx)
			Expect(iv.res.StatusCode).To(BeNumerically(">=", 500), "the invited server answered 400 %s: the fault is the inviting server's own request, not the client's.%s", code, iv.explain())
			Expect(iv.res.StatusCode).To(BeNumerically("<", 600), "the status of alice's invite.%s", iv.explain())
		})
	}
})

// v1Forbidden scripts an invited server that refuses the invite over the
// v1 API: its v2 API is unknown to it (404 M_UNRECOGNIZED, the answer
// FALLBACK-RETRY-404 retries after), and its v1 API answers 403
// M_FORBIDDEN, the example of invites-v1.yaml's 403.
func v1Forbidden() []federation.Option {
	return []federation.Option{
		federation.Answer(federation.InviteV2, v2Refusals[0].answer),
		federation.Answer(federation.InviteV1, federation.Status(http.StatusForbidden, "M_FORBIDDEN")),
	}
}

// v1Check is one of the OUTERR-V1-FORBIDDEN rules and its check of what
// alice's invite came to, once the homeserver retried on v1 and was
// refused there.
type v1Check struct {
	rule  conformance.Rule
	check func(ctx context.Context, iv *invitation)
}

// v1ForbiddenChecks are OUTERR-FORBIDDEN's three rules, for the 403 of the
// v1 API: the invite fails (MUST), and the client is told the status and
// the errcode (SHOULD).
var v1ForbiddenChecks = []v1Check{
	{
		rule: conformance.NewRule("OUTERR-V1-FORBIDDEN", conformance.MUST, areaErrors, secCountersign+"; invites-v1.yaml 403",
			"fails the client's invite to a room of version 1 or 2 when the invited server, asked again over the v1 API after its v2 API answered 404 M_UNRECOGNIZED, answers 403 M_FORBIDDEN, and leaves no invite in the room state"),
		check: func(ctx context.Context, iv *invitation) { iv.expectRefused(ctx) },
	},
	{
		rule: conformance.NewRule("OUTERR-V1-FORBIDDEN-STATUS", conformance.SHOULD, areaErrors,
			secClient+` (403: "You do not have permission to invite the user to the room"); invites-v1.yaml 403 ("The homeserver does not permit anyone to invite its users")`,
			"answers the client's invite 403 when the invited server refuses it over the v1 API with 403 M_FORBIDDEN"),
		check: func(_ context.Context, iv *invitation) {
			Expect(iv.res).To(match.HaveStatus(http.StatusForbidden), "%s", iv.explain())
		},
	},
	{
		rule: conformance.NewRule("OUTERR-V1-FORBIDDEN-ERRCODE", conformance.SHOULD, areaErrors,
			secClient+` (403, example errcode M_FORBIDDEN); invites-v1.yaml 403 (M_FORBIDDEN)`,
			"passes the M_FORBIDDEN the invited server answered over the v1 API on to the client"),
		check: func(_ context.Context, iv *invitation) {
			Expect(iv.res).To(match.HaveErrcode("M_FORBIDDEN"), "%s", iv.explain())
		},
	},
}

// The invited server refuses over the v1 API, which an inviting server
// reaches only in rooms of version 1 and 2, after the v2 API answered 400
// or 404 (the fallback specs): the same rules as OUTERR-FORBIDDEN, which
// judges a 403 of the v2 API.
var _ = Describe("Outbound invite: the invited server refuses over the v1 API", func() {
	for _, c := range v1ForbiddenChecks {
		conformance.ForEachRoomVersion(c.rule, func(ctx SpecContext, rv matrix.RoomVersion) {
			iv := inviteRemote(ctx, rv, v1Forbidden()...)
			skipWithoutV1(iv)
			c.check(ctx, iv)
		}, versions(1, 2)...)
	}
})

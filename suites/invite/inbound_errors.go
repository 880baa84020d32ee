package invite

import (
	"encoding/json"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// Where the spec lists what a receiver of an invite MUST refuse: both
// invite APIs state the same validation.
const (
	secValidation   = "server-server-api.md §Inviting to a room (invites-v2.yaml: \"Servers MUST apply certain validation\")"
	secValidationV1 = "server-server-api.md §Inviting to a room (invites-v1.yaml: \"Servers MUST apply certain validation\")"
)

// forgedInvite is one invite the receiver validation refuses: forge
// builds it for s, differing from a valid invite in exactly that way.
type forgedInvite struct {
	id    string
	what  string
	forge func(ctx SpecContext, s *inboundScene) forged
}

var forgedInvites = []forgedInvite{
	{
		id: "BAD-SIG", what: "an invite whose event signature does not verify",
		forge: func(ctx SpecContext, s *inboundScene) forged {
			return forged{forgedBy(s.remote.WithCorruptSignature(s.invite())), s.room, true}
		},
	},
	{
		id: "NO-SIG", what: "an invite its sender's server did not sign",
		forge: func(ctx SpecContext, s *inboundScene) forged {
			return forged{s.remote.WithoutSignature(s.invite()), s.room, true}
		},
	},
	{
		id: "SENDER", what: "an invite whose sender is not a user of the requesting server (signed by the sender's own server)",
		forge: func(ctx SpecContext, s *inboundScene) forged {
			elsewhere := bed.NewRemote(ctx)
			dave := elsewhere.User("dave")
			room := elsewhere.CreateRoom(s.rv, dave)
			return forged{room.InviteEvent(dave, s.bob.UserID), room, true}
		},
	},
	{
		id: "STATE-KEY", what: "an invite whose state_key is not a user of the receiving server",
		forge: func(ctx SpecContext, s *inboundScene) forged {
			ev := s.room.MustEvent(federation.ProtoEvent{Type: "m.room.member", StateKey: federation.StateKey(s.remote.User("carol")),
				Sender: s.alice, Content: map[string]any{"membership": "invite"}})
			return forged{ev, s.room, false}
		},
	},
	{
		id: "TYPE", what: "an \"invite\" whose type is not m.room.member (m.room.topic)",
		forge: func(ctx SpecContext, s *inboundScene) forged {
			ev := s.room.MustEvent(federation.ProtoEvent{Type: "m.room.topic", StateKey: federation.StateKey(s.bob.UserID),
				Sender: s.alice, Content: map[string]any{"membership": "invite", "topic": "not an invite"}})
			return forged{ev, s.room, true}
		},
	},
	{
		id: "MEMBERSHIP", what: "an m.room.member \"invite\" whose membership is join",
		forge: func(ctx SpecContext, s *inboundScene) forged {
			ev := s.room.MustEvent(federation.ProtoEvent{Type: "m.room.member", StateKey: federation.StateKey(s.bob.UserID),
				Sender: s.alice, Content: map[string]any{"membership": "join"}})
			return forged{ev, s.room, true}
		},
	},
}

// validationRules registers, for one invite API, the MUST (each forged
// invite refused with a 4xx, the server keeps serving) and SHOULD
// (M_INVALID_PARAM) rules of the receiver validation.
func validationRules(prefix, api, section string, versions []matrix.RoomVersion) {
	for _, f := range forgedInvites {
		send := func(ctx SpecContext, s *inboundScene) (forged, *federation.Response) {
			bad := f.forge(ctx, s)
			if api == "v1" {
				return bad, bad.sendV1(ctx, s.remote)
			}
			return bad, bad.sendV2(ctx, s.remote)
		}
		conformance.ForEachRoomVersion(conformance.NewRule(prefix+f.id, conformance.MUST, areaErrors, section,
			"refuses "+f.what+" over the "+api+" API with a 4xx (400 or 403), and keeps accepting valid invites"),
			func(ctx SpecContext, rv matrix.RoomVersion) {
				s := newInboundScene(ctx, rv, nil)
				bed.RequireRoomVersion(ctx, rv)
				bad, res := send(ctx, s)
				s.guardAfterRefusal(ctx, res, bad.refusedRoom())
				Expect(res).To(match.BeRefusedWith(refusal()...), "%s, sent over the %s invite API, must be refused", f.what, api)
			}, versions...)

		conformance.ForEachRoomVersion(conformance.NewRule(prefix+f.id+"-CODE", conformance.SHOULD, areaErrors, section,
			"refuses "+f.what+" over the "+api+" API with M_INVALID_PARAM"),
			func(ctx SpecContext, rv matrix.RoomVersion) {
				s := newInboundScene(ctx, rv, nil)
				bed.RequireRoomVersion(ctx, rv)
				_, res := send(ctx, s)
				Expect(res).To(match.HaveErrcode("M_INVALID_PARAM"), "servers SHOULD return M_INVALID_PARAM for %s (%s invite API)", f.what, api)
				if conformance.Strict() {
					Expect(res).To(match.HaveStatus(http.StatusBadRequest))
				}
			}, versions...)
	}
}

// Refusals of bad inbound invites: the receiver validation, malformed
// requests, request authentication, invite_room_state validation.
var _ = Describe("Inbound invites the server must refuse", func() {
	validationRules("INVERR-", "v2", secValidation, matrix.KnownVersions())
	// "Servers which receive a v1 invite request must assume that the
	// room version is either 1 or 2" (invites-v1.yaml).
	validationRules("INV1ERR-", "v1", secValidationV1, v1Versions)

	malformedRules("NO-ROOM-VERSION", "a v2 invite body without room_version", sendV2Without("room_version"), fixed(http.StatusBadRequest), missingCodes)
	malformedRules("NO-EVENT", "a v2 invite body without event", sendV2Without("event"), fixed(http.StatusBadRequest), missingCodes)

	malformedRules(
		"NOT-JSON", "a v2 invite whose body is not JSON",
		func(ctx SpecContext, s *inboundScene) *federation.Response {
			ev := s.invite()
			return answered("v2")(s.remote.SendUnparsableInvite(ctx, s.rv, s.room.ID, ev.ID))
		},
		notJSONStatuses, notJSONCodes)

	strictVersions, laxVersions := splitByCanonicalJSON()
	for _, n := range []struct {
		id, what string
		value    json.Number
	}{
		{"FLOAT", "a float (1.5)", "1.5"},
		{"BIG-INT", "an integer outside canonical JSON's range (2^53)", "9007199254740992"},
	} {
		conformance.ForEachRoomVersion(conformance.NewRule("INVERR-"+n.id, conformance.MUST, areaErrors,
			"rooms/fragments/v6-canonical-json.md (\"Servers MUST strictly enforce the JSON format\")",
			"refuses an invite whose content holds "+n.what+" in room versions that require strict canonical JSON, with 400, and keeps accepting valid invites"),
			func(ctx SpecContext, rv matrix.RoomVersion) {
				s, res := sendLaxInvite(ctx, rv, map[string]any{"herald_number": n.value})
				s.guardAfterRefusal(ctx, res, s.room.ID)
				Expect(res).To(match.BeRefusedWith(http.StatusBadRequest), "an invite holding %s in a v%s room", n.what, rv.ID)
			}, strictVersions...)

		conformance.ForEachRoomVersion(conformance.NewRule("INVERR-"+n.id+"-CODE", conformance.SHOULD, areaErrors,
			"rooms/fragments/v6-canonical-json.md (\"This translates to a 400 M_BAD_JSON error\")",
			"refuses an invite whose content holds "+n.what+" in room versions that require strict canonical JSON with M_BAD_JSON"),
			func(ctx SpecContext, rv matrix.RoomVersion) {
				_, res := sendLaxInvite(ctx, rv, map[string]any{"herald_number": n.value})
				Expect(res).To(match.HaveErrcode("M_BAD_JSON"))
			}, strictVersions...)
	}

	conformance.ForEachRoomVersion(conformance.NewRule("INVERR-LAX-JSON", conformance.MUST, areaErrors,
		"rooms/fragments/v1-canonical-json.md (\"Servers MUST NOT strictly enforce the JSON format\")",
		"accepts an invite whose content holds a float and an integer outside ±(2^53−1) in room versions 1–5"),
		func(ctx SpecContext, rv matrix.RoomVersion) {
			_, res := sendLaxInvite(ctx, rv, map[string]any{"herald_float": json.Number("1.5"), "herald_big": json.Number("9007199254740992")})
			Expect(res).To(match.HaveStatus(http.StatusOK), "an invite holding a float and a big integer in a v%s room", rv.ID)
			Expect(res).To(match.HaveEventBody())
		}, laxVersions...)

	authRules()
	inviteStateRules()
})

// malformedRules registers the MUST (refused with one of statuses, the
// server keeps serving) and SHOULD (one of errcodes) rules for one kind
// of malformed request, in the homeserver's default room version.
func malformedRules(id, what string, send func(SpecContext, *inboundScene) *federation.Response, statuses func() []int, errcodes func() []string) {
	section := "server-server-api.md §API standards, §Inviting to a room (invites-v2.yaml: room_version and event are required; 400 \"The request is invalid\")"
	conformance.It(conformance.NewRule("INVERR-"+id, conformance.MUST, areaErrors, section,
		"refuses "+what+" with 400, never a 5xx, and keeps accepting valid invites"),
		func(ctx SpecContext) {
			s := newEverydayScene(ctx, nil)
			res := send(ctx, s)
			s.guardAfterRefusal(ctx, res, s.room.ID)
			Expect(res).To(match.BeRefusedWith(statuses()...), "%s must be refused", what)
		})

	conformance.It(conformance.NewRule("INVERR-"+id+"-CODE", conformance.SHOULD, areaErrors,
		section+"; client-server-api §Common error codes",
		"refuses "+what+" with a matching errcode"),
		func(ctx SpecContext) {
			s := newEverydayScene(ctx, nil)
			res := send(ctx, s)
			Expect(res).To(match.HaveErrcode(errcodes()...))
		})
}

// sendV2Without sends a valid v2 invite whose body lacks key, which the
// body requires.
func sendV2Without(key string) func(SpecContext, *inboundScene) *federation.Response {
	return func(ctx SpecContext, s *inboundScene) *federation.Response {
		ev := s.invite()
		body := v2Body(s.room, ev)
		delete(body, key)
		return putInvite(ctx, s.remote, "v2", s.room.ID, ev.ID, body)
	}
}

// The answers the malformed-request rules accept; functions, because the
// run's policy (strict or not) is known only when specs run.
func fixed(status int) func() []int { return func() []int { return []int{status} } }

// missingCodes: a missing required key is M_BAD_JSON ("missing required
// keys") or M_MISSING_PARAM (named by invites-v2.yaml's 400).
func missingCodes() []string { return []string{"M_BAD_JSON", "M_MISSING_PARAM"} }

// A body that is not JSON cannot be covered by an X-Matrix signature (it
// signs the parsed content): the mock signs it as if there were no body,
// so a server that authenticates first may answer 401, and M_BAD_JSON is
// common practice; strict mode holds to 400 M_NOT_JSON.
func notJSONStatuses() []int {
	if conformance.Strict() {
		return []int{http.StatusBadRequest}
	}
	return []int{http.StatusBadRequest, http.StatusUnauthorized}
}

func notJSONCodes() []string {
	if conformance.Strict() {
		return []string{"M_NOT_JSON"}
	}
	return []string{"M_NOT_JSON", "M_BAD_JSON"}
}

// sendLaxInvite sends over the v2 API, in room version rv (which the
// server must offer), alice's invite of bob with extra in its content, as
// the mock forged it (federation's WithLaxContent), and returns the scene
// and the answer.
func sendLaxInvite(ctx SpecContext, rv matrix.RoomVersion, extra map[string]any) (*inboundScene, *federation.Response) {
	GinkgoHelper()
	s := newInboundScene(ctx, rv, nil)
	bed.RequireRoomVersion(ctx, rv)
	ev := forgedBy(s.remote.WithLaxContent(s.invite(), extra))
	return s, putInvite(ctx, s.remote, "v2", s.room.ID, ev.ID, v2Body(s.room, ev))
}

// splitByCanonicalJSON splits the room versions into those that require
// strict canonical JSON (v6+) and those that must not enforce it.
func splitByCanonicalJSON() (strict, lax []matrix.RoomVersion) {
	for _, rv := range matrix.KnownVersions() {
		if rv.StrictCanonicalJSON {
			strict = append(strict, rv)
		} else {
			lax = append(lax, rv)
		}
	}
	return strict, lax
}

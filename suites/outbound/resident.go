package outbound

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// Where the spec puts the inviting server in the answering role: it is the
// resident server the invitee's server asks to reject (make_leave,
// send_leave) or to accept (make_join, send_join) the invite.
const (
	secLeaving       = "server-server-api.md §Leaving Rooms (Rejecting Invites)"
	secResidentLeave = secLeaving + ` ("In the case of rejecting invites, the resident server may be the server which sent the invite"); leaving-v1.yaml make_leave 200; leaving-v2.yaml send_leave 200`
	secLeaveCheck    = secLeaving + ` (leaving-v2.yaml send_leave: "The receiving server MUST apply certain validation before accepting the event")`
	secLeaveCode     = secLeaving + ` (leaving-v2.yaml send_leave: "A specific error code is not mandated, but servers SHOULD return M_INVALID_PARAM if")`
	secJoining       = "server-server-api.md §Joining Rooms; joins-v1.yaml make_join 200; joins-v2.yaml send_join 200"
	secJoinInvited   = secJoining + `; rooms/ auth rules, membership join ("If the join_rule is invite … allow if membership state is invite or join")`
	secJoinInvRestr  = secJoining + ` (join_authorised_via_users_server: "If the user is responding to an invite, this is not required"); rooms/v8+ auth rules, membership join, join_rule restricted ("If membership state is join or invite, allow")`
)

// resident is the scene of these specs: alice, on the homeserver, invited
// carol, on the mock, to a private room, and the mock countersigned.
type resident struct{ *invitation }

// invited makes the room of version rv (with more room options, if any),
// has alice invite carol and requires the invite to have succeeded: every
// rule here is about what follows it.
func invited(ctx SpecContext, rv matrix.RoomVersion, room roomOptions) resident {
	GinkgoHelper()
	iv := prepareRoom(ctx, rv, room).send(ctx)
	Expect(iv.res).To(match.HaveStatus(http.StatusOK), "alice's invite of %s must succeed before %s can answer it.%s", iv.carol, iv.remote.Name(), iv.explain())
	return resident{iv}
}

// template asks the homeserver for carol's leave (or join) template and
// signs it as the mock: the event carol's server would send back. It fails
// the spec unless the answer is a template carol's server may sign.
func (s resident) template(ctx context.Context, membership string) (*federation.Response, *federation.Event) {
	GinkgoHelper()
	ask := s.remote.MakeLeave
	if membership == "join" {
		ask = s.remote.MakeJoin
	}
	res, err := ask(ctx, s.room, s.carol)
	Expect(err).NotTo(HaveOccurred(), "make_%s for %s got no answer", membership, s.carol)
	Expect(res).To(match.BeMembershipTemplate(s.room, s.carol, membership, s.rv.ID), "make_%s for %s, who alice invited", membership, s.carol)
	ev, err := s.remote.SignTemplate(res)
	Expect(err).NotTo(HaveOccurred(), "the mock signing the %s template", membership)
	return res, ev
}

// state is the room's current state as alice reads it, each event ID by
// "type(state_key)".
func (s resident) state(ctx context.Context) map[string]string {
	GinkgoHelper()
	out := map[string]string{}
	for _, ev := range s.alice.MustState(ctx, s.room) {
		out[fmt.Sprintf("%s(%s)", ev.Type(), ev.StateKey())] = ev.ID()
	}
	return out
}

// stateChanges lists what differs between two readings of the state.
func stateChanges(before, after map[string]string) []string {
	var out []string
	for key, id := range after {
		switch old, ok := before[key]; {
		case !ok:
			out = append(out, "added   "+key+" "+id)
		case old != id:
			out = append(out, "changed "+key+" "+old+" → "+id)
		}
	}
	for key, id := range before {
		if _, ok := after[key]; !ok {
			out = append(out, "removed "+key+" "+id)
		}
	}
	sort.Strings(out)
	return out
}

// expectMember waits until alice's room state shows carol's membership as
// membership, by the event the mock sent.
func (s resident) expectMember(ctx context.Context, membership string, sent *federation.Event) {
	GinkgoHelper()
	Eventually(ctx, func() string { return s.alice.MustMembership(ctx, s.room, s.carol) }).WithTimeout(bed.Config().Timeouts.Sync).Should(Equal(membership),
		"%s's membership in the room state, as alice reads it, after the homeserver accepted %s.%s", s.carol, sent, s.mockSent())
	ev, ok := s.carolState(ctx)
	Expect(ok).To(BeTrue(), "the room state has no member event of %s.%s", s.carol, s.mockSent())
	Expect(ev.ID()).To(Equal(sent.ID), "%s's member event in the room state is not the %s the mock sent: %s.%s", s.carol, membership, ev, s.mockSent())
}

// mockSent closes a failure message: what the mock asked of the
// homeserver and what came back, in one line each (the report holds the
// full transcript).
func (s resident) mockSent() string {
	var b strings.Builder
	b.WriteString("\nwhat the mock sent the homeserver:\n")
	for _, e := range s.remote.Journal.Sent() {
		b.WriteString("    " + e.GomegaString() + "\n")
	}
	return b.String()
}

// leaveRefusal is the statuses a refused send_leave may carry: 400, the
// endpoint's own refusal, or 403, the auth rules' (strict runs: 400 only).
func leaveRefusal() []int {
	if conformance.Strict() {
		return []int{http.StatusBadRequest}
	}
	return []int{http.StatusBadRequest, http.StatusForbidden}
}

// forgedLeave is a leave send_leave must refuse; forge builds it for the
// scene, differing from carol's genuine leave in exactly the way what says.
type forgedLeave struct {
	id, what string
	forge    func(ctx SpecContext, s resident) *federation.Event
}

var forgedLeaves = []forgedLeave{
	{
		id: "BAD-SIG", what: "a leave whose event signature does not verify",
		forge: func(ctx SpecContext, s resident) *federation.Event {
			_, leave := s.template(ctx, "leave")
			bad, err := s.remote.WithCorruptSignature(leave)
			Expect(err).NotTo(HaveOccurred(), "corrupting the mock's signature on the leave")
			return bad
		},
	},
	{
		// dave, of the same mock, is invited too: the forged leave would
		// withdraw his invite in carol's name.
		id: "STATE-KEY", what: "a leave whose state_key (another invited user of the same server) is not its sender",
		forge: func(ctx SpecContext, s resident) *federation.Event {
			dave := s.remote.User("dave")
			s.alice.MustInvite(ctx, s.room, dave)
			_, leave := s.template(ctx, "leave")
			bad, err := s.remote.WithStateKey(leave, dave)
			Expect(err).NotTo(HaveOccurred(), "moving the leave to %s", dave)
			return bad
		},
	},
	{
		// The room is invite-only and carol is invited: as a join the
		// event passes the auth rules, so only the endpoint's validation
		// keeps it out.
		id: "MEMBERSHIP", what: "a \"leave\" whose membership is join (carol's join, built from a make_join template)",
		forge: func(ctx SpecContext, s resident) *federation.Event {
			_, join := s.template(ctx, "join")
			return join
		},
	},
}

var _ = Describe("The inviting server as the resident server of its invitee's answer", func() {
	rejectRule := conformance.NewRule("OUT-RESIDENT-REJECT", conformance.MUST, areaOutbound, secResidentLeave,
		"lets the invited remote user reject its invite through it: make_leave answers 200 with a leave template for the invitee, send_leave v2 answers 200, and the invitee's membership in the room state becomes that leave")
	conformance.ForEachRoomVersion(rejectRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		s := invited(ctx, rv, nil)
		_, leave := s.template(ctx, "leave")

		res, err := s.remote.SendLeaveV2(ctx, leave)
		Expect(err).NotTo(HaveOccurred(), "send_leave got no answer")
		Expect(res).To(match.HaveStatus(http.StatusOK), "send_leave v2 of %s's signed leave", s.carol)
		_, err = res.Object()
		Expect(err).NotTo(HaveOccurred(), "the 200 answer to send_leave v2 must be a JSON object ({}):\n%s", res)
		s.expectMember(ctx, "leave", leave)
	})

	for _, f := range forgedLeaves {
		send := func(ctx SpecContext, rv matrix.RoomVersion) (resident, *federation.Response, map[string]string) {
			s := invited(ctx, rv, nil)
			bad := f.forge(ctx, s)
			before := s.state(ctx)
			res, err := s.remote.SendLeaveV2(ctx, bad)
			Expect(err).NotTo(HaveOccurred(), "send_leave got no answer")
			return s, res, before
		}
		conformance.ForEachRoomVersion(conformance.NewRule("OUT-RESIDENT-REJECT-"+f.id, conformance.MUST, areaErrors, secLeaveCheck,
			"refuses, over send_leave v2 from the invited server, "+f.what+" with a 4xx (400 or 403), and changes nothing in the room state"),
			func(ctx SpecContext, rv matrix.RoomVersion) {
				s, res, before := send(ctx, rv)
				Expect(res).To(match.BeRefusedWith(leaveRefusal()...), "%s, sent to send_leave v2, must be refused", f.what)
				changes := stateChanges(before, s.state(ctx))
				Expect(changes).To(BeEmpty(), "the room state changed after send_leave of %s was answered %d:\n  %s\nThe mock's request:\n%s",
					f.what, res.StatusCode, strings.Join(changes, "\n  "), res)
			})

		conformance.It(conformance.NewRule("OUT-RESIDENT-REJECT-"+f.id+"-CODE", conformance.SHOULD, areaErrors, secLeaveCode,
			"refuses "+f.what+", sent to send_leave v2, with M_INVALID_PARAM"),
			func(ctx SpecContext) {
				_, res, _ := send(ctx, defaultVersion(ctx, nil))
				Expect(res).To(match.HaveErrcode("M_INVALID_PARAM"), "servers SHOULD return M_INVALID_PARAM for %s", f.what)
				if conformance.Strict() {
					Expect(res).To(match.HaveStatus(http.StatusBadRequest))
				}
			})
	}

	joinRule := conformance.NewRule("OUT-RESIDENT-JOIN", conformance.MUST, areaOutbound, secJoinInvited,
		"lets the invited remote user join its invite-only room through it: make_join answers 200 with a join template for the invitee, send_join v2 answers 200, and the invitee's membership in the room state becomes that join")
	conformance.ForEachRoomVersion(joinRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		s := invited(ctx, rv, nil)
		s.expectJoins(ctx)
	})

	// The allow list names a room of alice's that carol is not in: only
	// the invite lets her in.
	restrictedRule := conformance.NewRule("OUT-RESIDENT-JOIN-RESTRICTED", conformance.MUST, areaOutbound, secJoinInvRestr,
		"lets the invited remote user join its restricted room (whose allow condition the invitee does not meet) through it, without join_authorised_via_users_server: make_join and send_join v2 answer 200 and the invitee's membership becomes join")
	conformance.ForEachRoomVersion(restrictedRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		s := invited(ctx, rv, func(alice *csapi.Client) []csapi.RoomOption {
			allowed := alice.MustCreateRoom(ctx, csapi.RoomVersion(rv.ID), csapi.Preset(csapi.PresetPrivateChat))
			return []csapi.RoomOption{csapi.InitialState("m.room.join_rules", "", map[string]any{"join_rule": "restricted", "allow": []any{
				map[string]any{"type": "m.room_membership", "room_id": allowed},
			}})}
		})
		s.expectJoins(ctx)
	}, versions(8, 12)...)
})

// expectJoins has carol join through the homeserver (make_join, then
// send_join v2, as the mock joins any room) and checks that she is joined.
func (s resident) expectJoins(ctx SpecContext) {
	GinkgoHelper()
	s.template(ctx, "join")
	replica, err := s.remote.JoinRoom(ctx, s.room, s.carol)
	Expect(err).NotTo(HaveOccurred(), "%s, whom alice invited, joining through the homeserver", s.carol)
	sent := replica.StateEvent("m.room.member", s.carol)
	Expect(sent).NotTo(BeNil(), "the mock's copy of the room holds no member event of %s after the join", s.carol)
	s.expectMember(ctx, "join", sent)
}

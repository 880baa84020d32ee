package thirdparty

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/federation"
	"herald/harness/identity"
	"herald/harness/matrix"
)

// onbindRequired is the place in the onbind request schema that requires
// each field (third_party_invite.yaml; signed_third_party_invite.yaml for
// the signed block).
const onbindRequired = onbindAPI + " (required: medium, address, mxid, invites; each invite: medium, address, mxid, room_id, sender, signed; signed_third_party_invite.yaml: mxid, token, signatures)"

// missingOnbindField is an onbind body without one field the schema
// requires; everything else is as a valid body for bob's pending invite.
type missingOnbindField struct {
	id, field string
	without   identity.OnBindOption
}

var missingOnbindFields = []missingOnbindField{
	{"NO-MEDIUM", "medium", identity.WithoutField("medium")},
	{"NO-ADDRESS", "address", identity.WithoutField("address")},
	{"NO-MXID", "mxid", identity.WithoutField("mxid")},
	{"NO-INVITES", "invites", identity.WithoutField("invites")},
	{"NO-INVITE-MEDIUM", "invites[0].medium", identity.WithoutInviteField("medium")},
	{"NO-INVITE-ADDRESS", "invites[0].address", identity.WithoutInviteField("address")},
	{"NO-INVITE-MXID", "invites[0].mxid", identity.WithoutInviteField("mxid")},
	{"NO-INVITE-ROOM-ID", "invites[0].room_id", identity.WithoutInviteField("room_id")},
	{"NO-INVITE-SENDER", "invites[0].sender", identity.WithoutInviteField("sender")},
	{"NO-INVITE-SIGNED", "invites[0].signed", identity.WithoutInviteField("signed")},
	{"NO-SIGNED-MXID", "invites[0].signed.mxid", identity.InviteSigned(identity.Omitting("mxid"))},
	{"NO-SIGNED-TOKEN", "invites[0].signed.token", identity.InviteSigned(identity.Omitting("token"))},
	{"NO-SIGNED-SIGNATURES", "invites[0].signed.signatures", identity.InviteSigned(identity.Omitting("signatures"))},
}

// onbindWithout POSTs bob's onbind body without m's field.
func (p *pendingRemote) onbindWithout(ctx context.Context, m missingOnbindField) *identity.Response {
	GinkgoHelper()
	res, err := p.is.SendOnBind(ctx, http.MethodPost, p.is.OnBindBody("email", p.email, p.bob.UserID, m.without))
	Expect(err).NotTo(HaveOccurred(), "POST /3pid/onbind without %s", m.field)
	return res
}

var _ = Describe("/3pid/onbind bodies without a required field", func() {
	for _, m := range missingOnbindFields {
		r := conformance.NewRule("3PID-ONBIND-"+m.id, conformance.MUST, area, onbindRequired,
			"refuses a /3pid/onbind body without "+m.field+", which the request schema requires, with an error status, and asks no room's server to exchange the pending invite it names")
		conformance.It(r, func(ctx SpecContext) {
			p := newPendingRemote(ctx, matrix.RoomVersion{})
			res := p.onbindWithout(ctx, m)
			var exchanged []string
			for _, ex := range p.remote.Journal.RequestsTo(federation.ExchangeThirdPartyInvite) {
				exchanged = append(exchanged, ex.Summary())
			}
			Expect(quietProblems(res.StatusCode, exchanged, memberIn(p.room, p.bob.UserID))).To(BeEmpty(),
				"POST /3pid/onbind for %s's pending invite to %s, without %s:\n%v", p.bob.UserID, p.room.ID, m.field, res)
		})
	}

	statusRule := conformance.NewRule("3PID-ONBIND-MISSING-STATUS", conformance.SHOULD, area, onbindRequired+"; the API gives no error codes: a body the schema does not allow is a client error",
		"answers every /3pid/onbind body without a required field (each of medium, address, mxid, invites; of an invite's medium, address, mxid, room_id, sender, signed; of signed's mxid, token, signatures) with a 4xx, never a 2xx or 5xx")
	conformance.It(statusRule, func(ctx SpecContext) {
		var bad []string
		for _, m := range missingOnbindFields {
			res := newPendingRemote(ctx, matrix.RoomVersion{}).onbindWithout(ctx, m)
			for _, problem := range refusal(res.StatusCode) {
				bad = append(bad, "without "+m.field+": "+problem+": "+shorten(res.Body))
			}
		}
		Expect(bad).To(BeEmpty(), "onbind bodies without a required field")
	})
})

// memberIn is user's membership in the mock's room, "" without a member
// event (Room.Membership says "leave" then).
func memberIn(room *federation.Room, user string) string {
	if ev := room.StateEvent("m.room.member", user); ev != nil {
		return ev.Membership()
	}
	return ""
}

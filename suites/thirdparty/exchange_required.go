package thirdparty

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/identity"
	"herald/harness/matrix"
)

// exchangeSchema is where the exchange request states its required
// fields and the values two of them must have.
const exchangeSchema = exchangeAPI + " (request body: type \"Must be m.room.member\", content.membership \"Must be invite\"; required: type, room_id, sender, state_key, content; content: membership, third_party_invite; third_party_invite: display_name, signed; signed_third_party_invite.yaml: mxid, token, signatures)"

// malformedExchange is a valid exchange for carol's pending invite with
// one thing the request schema forbids: a required field left out, or
// type or membership another value than the one it must be.
type malformedExchange struct {
	id, what string
	// change alters the valid body in place (a signed block at fault is
	// made by the identity server, signed over what it holds).
	change func(in *inbound, body matrix.Object)
}

// without returns a change that leaves out the field at path.
func without(path ...string) func(*inbound, matrix.Object) {
	return func(_ *inbound, body matrix.Object) {
		holder := body
		for _, k := range path[:len(path)-1] {
			holder, _ = holder.GetObject(k)
		}
		delete(holder, path[len(path)-1])
	}
}

// signedWithout returns a change that puts in a signed block the identity
// server made without field, signed over the rest.
func signedWithout(field string) func(*inbound, matrix.Object) {
	return func(in *inbound, body matrix.Object) {
		content, _ := body.GetObject("content")
		tpi, _ := content.GetObject("third_party_invite")
		tpi["signed"] = map[string]any(in.is.Signed(in.carol, in.inv.Token, identity.Omitting(field)))
	}
}

// setting returns a change that sets the field at path to value.
func setting(value any, path ...string) func(*inbound, matrix.Object) {
	return func(_ *inbound, body matrix.Object) {
		holder := body
		for _, k := range path[:len(path)-1] {
			holder, _ = holder.GetObject(k)
		}
		holder[path[len(path)-1]] = value
	}
}

var malformedExchanges = []malformedExchange{
	{"TYPE-NOT-MEMBER", "whose type is m.room.topic, not m.room.member", setting("m.room.topic", "type")},
	{"MEMBERSHIP-NOT-INVITE", "whose content.membership is join, not invite", setting("join", "content", "membership")},
	{"NO-TYPE", "without type", without("type")},
	{"NO-ROOM-ID", "without room_id", without("room_id")},
	{"NO-SENDER", "without sender", without("sender")},
	{"NO-STATE-KEY", "without state_key", without("state_key")},
	{"NO-CONTENT", "without content", without("content")},
	{"NO-MEMBERSHIP", "without content.membership", without("content", "membership")},
	{"NO-THIRD-PARTY-INVITE", "without content.third_party_invite", without("content", "third_party_invite")},
	{"NO-DISPLAY-NAME", "without content.third_party_invite.display_name", without("content", "third_party_invite", "display_name")},
	{"NO-SIGNED", "without content.third_party_invite.signed", without("content", "third_party_invite", "signed")},
	{"NO-SIGNED-MXID", "whose signed block has no mxid (signed over the rest by the identity server)", signedWithout("mxid")},
	{"NO-SIGNED-TOKEN", "whose signed block has no token (signed over the rest by the identity server)", signedWithout("token")},
	{"NO-SIGNED-SIGNATURES", "whose signed block has no signatures", signedWithout("signatures")},
}

// body is the valid exchange with m's change.
func (m malformedExchange) body(in *inbound) map[string]any {
	body := matrix.Object(in.valid())
	m.change(in, body)
	return body
}

var _ = Describe("exchange_third_party_invite bodies the request schema does not allow", func() {
	for _, m := range malformedExchanges {
		r := conformance.NewRule("3PID-EXCHANGE-"+m.id, conformance.MUST, area, exchangeSchema,
			"refuses, with an error status, an exchange_third_party_invite "+m.what+", and issues no invite")
		conformance.It(r, func(ctx SpecContext) {
			in := newInbound(ctx, matrix.RoomVersion{})
			res := in.exchange(ctx, in.room, m.body(in))
			in.expectRefused(ctx, res)
		})
	}

	statusRule := conformance.NewRule("3PID-EXCHANGE-MALFORMED-STATUS", conformance.SHOULD, area, exchangeSchema+"; the API gives no error codes: a body the schema does not allow is a client error",
		"answers every exchange_third_party_invite body the schema does not allow (type not m.room.member, membership not invite, each required field missing in turn) with a 4xx, never a 2xx or 5xx")
	conformance.It(statusRule, func(ctx SpecContext) {
		var bad []string
		for _, m := range malformedExchanges {
			in := newInbound(ctx, matrix.RoomVersion{})
			res := in.exchange(ctx, in.room, m.body(in))
			for _, problem := range refusal(res.StatusCode) {
				bad = append(bad, m.id+" (an exchange "+m.what+"): "+problem+": "+shorten(res.Body))
			}
		}
		Expect(bad).To(BeEmpty(), "the answers to exchanges the schema does not allow")
	})
})

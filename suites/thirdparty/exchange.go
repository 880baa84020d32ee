package thirdparty

import (
	"context"
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/identity"
	"herald/harness/matrix"
)

// inbound is a third-party invite waiting in a room of the homeserver
// under test: alice invited an email, which carol of the mock homeserver
// has since bound; the mock asks the homeserver to exchange the invite.
type inbound struct {
	alice  *csapi.Client
	room   string
	is     *identity.Server
	inv    *identity.Invite
	remote *federation.Server
	carol  string
}

// newInbound sets the scene in a room of version rv (the server's default
// for the zero RoomVersion).
func newInbound(ctx context.Context, rv matrix.RoomVersion) *inbound {
	GinkgoHelper()
	alice := bed.NewUser(ctx, "alice")
	if rv.ID == "" {
		rv = bed.DefaultRoomVersion(ctx)
	}
	bed.RequireRoomVersion(ctx, rv)
	room := privateRoom(ctx, alice, rv)
	is := bed.NewIdentityServer(ctx)
	// Problems with what the homeserver sends the mock are part of what
	// these rules judge, so the specs assert them (see problems).
	remote := bed.NewRemote(ctx, federation.AllowProblems())
	return &inbound{alice: alice, room: room, is: is, inv: pendingInvite(ctx, alice, room, is, newEmail()), remote: remote, carol: remote.User("carol")}
}

// exchange sends PUT /exchange_third_party_invite/{path} with body.
func (in *inbound) exchange(ctx context.Context, path string, body map[string]any) *federation.Response {
	GinkgoHelper()
	res, err := in.remote.ExchangeThirdPartyInvite(ctx, path, body)
	Expect(err).NotTo(HaveOccurred(), "sending exchange_third_party_invite")
	return res
}

// valid is the exchange a well-behaved invitee server would send.
func (in *inbound) valid() map[string]any {
	return federation.ThirdPartyExchange(in.room, in.alice.UserID, in.carol, in.inv.DisplayName, in.is.Signed(in.carol, in.inv.Token))
}

// problems lists what the homeserver sent the mock that failed the mock's
// verification (an invite with a bad event ID, hash or signature, a request
// without valid X-Matrix …), one line each.
func problems(remote *federation.Server) []string {
	var out []string
	for _, p := range remote.Journal.Problems() {
		out = append(out, p.String())
	}
	return out
}

// expectRefused fails unless the exchange was answered with an error, the
// homeserver sent the mock no invite and no room holds one for carol; the
// message lists every way it went wrong.
func (in *inbound) expectRefused(ctx context.Context, res *federation.Response, rooms ...string) {
	GinkgoHelper()
	found := append(refused(res.StatusCode), problems(in.remote)...)
	for _, inv := range in.remote.ReceivedInvites() {
		found = append(found, fmt.Sprintf("the homeserver sent %s's server an invite (%s) for it", in.carol, inv.Event))
	}
	for _, room := range append([]string{in.room}, rooms...) {
		if m := membershipOf(ctx, in.alice, room, in.carol); m == "invite" {
			found = append(found, fmt.Sprintf("%s is invited to %s", in.carol, room))
		}
	}
	Expect(found).To(BeEmpty(), "the exchange:\n%v", res)
}

// exchangeRefusal is an exchange the auth rules or the API refuse.
type exchangeRefusal struct {
	id, what, section string
	// arrange changes the setup and returns the exchange's path and body,
	// and any other room that must stay without an invite.
	arrange func(ctx SpecContext, in *inbound) (path string, body map[string]any, others []string)
}

var exchangeRefusals = []exchangeRefusal{
	{"BAD-SIGNATURE", "whose signed block's signature is corrupt", authRules + " (a signature in signed must verify)",
		func(ctx SpecContext, in *inbound) (string, map[string]any, []string) {
			return in.room, federation.ThirdPartyExchange(in.room, in.alice.UserID, in.carol, in.inv.DisplayName, in.is.Signed(in.carol, in.inv.Token, identity.CorruptSignature())), nil
		}},
	{"FORGED-KEY", "signed with a key the identity server never published (under its name and key ID)", authRules + " (a signature in signed must verify under a key of the m.room.third_party_invite)",
		func(ctx SpecContext, in *inbound) (string, map[string]any, []string) {
			return in.room, federation.ThirdPartyExchange(in.room, in.alice.UserID, in.carol, in.inv.DisplayName, in.is.Signed(in.carol, in.inv.Token, identity.SignedWith(in.is.ForgedKey()))), nil
		}},
	{"REVOKED-KEY", "signed with a key its key_validity_url now reports invalid", keyValidity,
		func(ctx SpecContext, in *inbound) (string, map[string]any, []string) {
			in.is.Revoke(in.is.LongTermKey())
			return in.room, in.valid(), nil
		}},
	{"MXID", "whose signed mxid is not the state_key", authRules + " (mxid must match state_key)",
		func(ctx SpecContext, in *inbound) (string, map[string]any, []string) {
			return in.room, federation.ThirdPartyExchange(in.room, in.alice.UserID, in.carol, in.inv.DisplayName, in.is.Signed(in.remote.User("mallory"), in.inv.Token)), nil
		}},
	{"TOKEN", "whose token matches no m.room.third_party_invite in the room", authRules + " (an m.room.third_party_invite with state_key token must be in the room state)",
		func(ctx SpecContext, in *inbound) (string, map[string]any, []string) {
			return in.room, federation.ThirdPartyExchange(in.room, in.alice.UserID, in.carol, in.inv.DisplayName, in.is.Signed(in.carol, unique("unknown-token"))), nil
		}},
	{"SENDER", "whose sender, another member allowed to invite, did not send the m.room.third_party_invite", authRules + " (sender must match the m.room.third_party_invite's sender)",
		func(ctx SpecContext, in *inbound) (string, map[string]any, []string) {
			bob := bed.NewUser(ctx, "bob")
			in.alice.MustInvite(ctx, in.room, bob.UserID)
			bob.MustJoinRoomByID(ctx, in.room)
			return in.room, federation.ThirdPartyExchange(in.room, bob.UserID, in.carol, in.inv.DisplayName, in.is.Signed(in.carol, in.inv.Token)), nil
		}},
	{"BANNED", "for a user banned from the room", authRules + " (the target must not be banned)",
		func(ctx SpecContext, in *inbound) (string, map[string]any, []string) {
			in.alice.MustBan(ctx, in.room, in.carol)
			return in.room, in.valid(), nil
		}},
	{"ROOM-MISMATCH", "whose body room_id (another room with a valid pending invite) is not the room in the path", exchangeAPI + " (room_id must match the path)",
		func(ctx SpecContext, in *inbound) (string, map[string]any, []string) {
			other := privateRoom(ctx, in.alice, bed.DefaultRoomVersion(ctx))
			inv := pendingInvite(ctx, in.alice, other, in.is, newEmail())
			return in.room, federation.ThirdPartyExchange(other, in.alice.UserID, in.carol, inv.DisplayName, in.is.Signed(in.carol, inv.Token)), []string{other}
		}},
}

var _ = Describe("Exchanging a third-party invite (exchange_third_party_invite)", func() {
	exchangeRule := conformance.NewRule("3PID-EXCHANGE", conformance.MUST, area, exchangeAPI+"; server-server-api.md §Inviting to a room",
		"accepts a valid exchange_third_party_invite with 200 {} after sending the invitee's server the invite it built from it, and the room then holds the invitee's invite carrying the identity server's signed block unchanged")
	conformance.ForEachRoomVersion(exchangeRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		in := newInbound(ctx, rv)
		signed := in.is.Signed(in.carol, in.inv.Token)
		res := in.exchange(ctx, in.room, federation.ThirdPartyExchange(in.room, in.alice.UserID, in.carol, in.inv.DisplayName, signed))
		Expect(problems(in.remote)).To(BeEmpty(), "what the homeserver sent the invitee's server (the mock) while exchanging:\n%v", res)
		Expect(res.StatusCode).To(Equal(http.StatusOK), "exchanging a valid third-party invite:\n%v", res)
		body, err := res.Object()
		Expect(err).NotTo(HaveOccurred(), "the 200 answer must be a JSON object:\n%v", res)
		if conformance.Strict() {
			Expect(body).To(BeEmpty(), "the 200 answer is an empty object")
		}

		invites := in.remote.ReceivedInvites()
		Expect(invites).NotTo(BeEmpty(), "the homeserver answered the exchange without sending %s's server the invite", in.carol)
		ev := invites[0].Event
		Expect(invites[0].Valid).To(BeTrue(), "the invite the homeserver sent failed the mock's checks (see the transcript)")
		Expect(partialInviteProblems(ev.Fields, in.room, in.alice.UserID, in.carol, signed)).To(BeEmpty(),
			"the invite the homeserver sent:\n%s", ev.JSON())

		Eventually(ctx, func() string { return membershipOf(ctx, in.alice, in.room, in.carol) }).Should(Equal("invite"),
			"%s's membership in the room after the exchange", in.carol)
		member := memberEvent(ctx, in.alice, in.room, in.carol)
		tpi, _ := member.GetObject("third_party_invite")
		got, _ := tpi.GetObject("signed")
		Expect(sameJSON(got, signed)).To(BeTrue(), "the room's invite of %s carries third_party_invite %s, want signed %s", in.carol, compact(tpi), compact(signed))
	})

	keyRule := conformance.NewRule("3PID-EXCHANGE-KEY-CHECK", conformance.MUST, area, keyValidity+"; "+exchangeAPI,
		"asks the identity server, at the m.room.third_party_invite's key_validity_url, whether the signing key is still valid before accepting an exchange_third_party_invite")
	conformance.It(keyRule, func(ctx SpecContext) {
		in := newInbound(ctx, matrix.RoomVersion{})
		res := in.exchange(ctx, in.room, in.valid())
		Expect(problems(in.remote)).To(BeEmpty(), "what the homeserver sent the invitee's server (the mock) while exchanging:\n%v", res)
		Expect(res.StatusCode).To(Equal(http.StatusOK), "exchanging a valid third-party invite:\n%v", res)
		Expect(in.is.AskedWhetherValid(in.is.LongTermKey(), in.inv.EventContent()["key_validity_url"].(string))).To(BeTrue(),
			"the homeserver never asked %s whether the long-term key that signed the block is valid; the identity server saw:\n%s",
			in.is.LongTermKey().PublicKeyBase64(), in.is.Journal.Summaries())
	})

	for _, c := range exchangeRefusals {
		r := conformance.NewRule("3PID-EXCHANGE-"+c.id, conformance.MUST, area, c.section,
			"refuses, with an error status, an exchange_third_party_invite "+c.what+", and issues no invite")
		refusalSpecs(r, func(ctx SpecContext, rv matrix.RoomVersion) {
			in := newInbound(ctx, rv)
			path, body, others := c.arrange(ctx, in)
			res := in.exchange(ctx, path, body)
			in.expectRefused(ctx, res, others...)
		})
	}

	statusRule := conformance.NewRule("3PID-EXCHANGE-REFUSAL-STATUS", conformance.SHOULD, area, exchangeAPI+" (no error codes are given: a refusal of the request is a client error)",
		"answers every exchange_third_party_invite it must refuse (bad, forged or revoked signature, wrong mxid, token or sender, banned target, room_id not the path's) with a 4xx error: not a 5xx, and not a 2xx that accepts it")
	conformance.It(statusRule, func(ctx SpecContext) {
		var answers []refusalAnswer
		for _, c := range exchangeRefusals {
			in := newInbound(ctx, matrix.RoomVersion{})
			path, body, _ := c.arrange(ctx, in)
			res := in.exchange(ctx, path, body)
			answers = append(answers, refusalAnswer{what: c.id + " (an exchange " + c.what + ")", status: res.StatusCode, body: res.Body})
		}
		Expect(refusalStatusProblems(answers)).To(BeEmpty(), "the answers to exchanges that must be refused")
	})
})

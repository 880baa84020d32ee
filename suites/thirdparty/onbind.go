package thirdparty

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/identity"
	"herald/harness/matrix"
)

// pendingRemote is a third-party invite to a room the mock homeserver
// hosts: alice of the mock invited an email, which bob of the homeserver
// under test binds; the identity server then calls the homeserver's
// /3pid/onbind.
type pendingRemote struct {
	bob    *csapi.Client
	remote *federation.Server
	alice  string
	room   *federation.Room
	is     *identity.Server
	inv    *identity.Invite
	email  string
}

// newPendingRemote sets the scene in a mock room of version rv (the
// server's default for the zero RoomVersion).
func newPendingRemote(ctx context.Context, rv matrix.RoomVersion) *pendingRemote {
	GinkgoHelper()
	bob := bed.NewUser(ctx, "bob")
	if rv.ID == "" {
		rv = bed.DefaultRoomVersion(ctx)
	}
	bed.RequireRoomVersion(ctx, rv)
	p := &pendingRemote{bob: bob, remote: bed.NewRemote(ctx, federation.AllowProblems()), is: bed.NewIdentityServer(ctx), email: newEmail()}
	p.alice = p.remote.User("alice")
	p.inv = p.is.Store("email", p.email, "", p.alice)
	p.room = p.remote.CreateRoom(rv, p.alice, federation.JoinRule("invite"),
		federation.WithState("m.room.third_party_invite", p.inv.Token, p.inv.EventContent()))
	p.inv.RoomID = p.room.ID
	return p
}

// onbind sends the onbind body for bob with method (POST or PUT).
func (p *pendingRemote) onbind(ctx context.Context, method string) (*identity.Response, matrix.Object) {
	GinkgoHelper()
	body := p.is.OnBindBody("email", p.email, p.bob.UserID)
	res, err := p.is.SendOnBind(ctx, method, body)
	Expect(err).NotTo(HaveOccurred(), "calling /3pid/onbind")
	invites, _ := body.GetArray("invites")
	signed, _ := matrix.Object(invites[0].(map[string]any)).GetObject("signed")
	return res, signed
}

// expectExchanged waits for the homeserver's exchange_third_party_invite
// and checks it, then waits until bob sees the invite the mock sent back.
func (p *pendingRemote) expectExchanged(ctx context.Context, res *identity.Response, signed matrix.Object) {
	GinkgoHelper()
	Eventually(ctx, func() []federation.Exchange { return p.remote.Journal.RequestsTo(federation.ExchangeThirdPartyInvite) }).
		WithTimeout(bed.Config().Timeouts.Sync).ShouldNot(BeEmpty(),
		"after onbind the homeserver should ask %s to exchange the invite; onbind was answered:\n%v", p.remote.Name(), res)
	ex := p.remote.Journal.RequestsTo(federation.ExchangeThirdPartyInvite)[0]
	Expect(problems(p.remote)).To(BeEmpty(), "what the homeserver sent the room's server (the mock)")
	Expect(ex.Verified()).To(BeTrue(), "the exchange must be signed with X-Matrix: %s", ex.GomegaString())
	body, err := matrix.ParseObject(ex.RequestBody)
	Expect(err).NotTo(HaveOccurred(), "the exchange body: %s", ex.Render())
	Expect(partialInviteProblems(body, p.room.ID, p.alice, p.bob.UserID, signed)).To(BeEmpty(), "the exchange:\n%s", ex.Render())
	Expect(ex.Status).To(Equal(http.StatusOK), "the room's server (the mock) refused the exchange; see its notes:\n%s", ex.Render())
	p.bob.MustSyncUntil(ctx, csapi.InvitedTo(p.room.ID))
	Expect(problems(p.remote)).To(BeEmpty(), "what the homeserver sent the room's server (the mock)")
}

var _ = Describe("Binding an email with pending invites (/3pid/onbind)", func() {
	// The two documents name different methods for the same call: the
	// identity service API says identity servers POST, the federation
	// API's definition is PUT. Each is the spec, so a homeserver must
	// accept both; each rule says so, so that a server following one
	// document only learns from the failure why the other method counts.
	onbindRule := conformance.NewRule("3PID-ONBIND", conformance.MUST, area, onbindAPI+` (identity-service-api.md: the identity server "will attempt to make an HTTP POST" to /3pid/onbind; third_party_invite.yaml defines the endpoint as PUT instead, which 3PID-ONBIND-PUT checks: the documents contradict each other, so a server must accept both methods)`,
		"answers a POST /3pid/onbind (the method the identity service API names; the federation API names PUT) naming a local user and a pending invite to a room it is not in with 200, asks the room's server to exchange the invite (exchange_third_party_invite, signed with X-Matrix, the identity server's signed block unchanged), and accepts the invite that server sends")
	conformance.ForEachRoomVersion(onbindRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		p := newPendingRemote(ctx, rv)
		res, signed := p.onbind(ctx, http.MethodPost)
		Expect(res.StatusCode).To(Equal(http.StatusOK), "POST /3pid/onbind:\n%v\nthe mock homeserver saw:\n%s", res, summaries(p.remote))
		p.expectExchanged(ctx, res, signed)
		Expect(p.room.Membership(p.bob.UserID)).To(Equal("invite"), "bob's membership in the mock's room")
	})

	nameRule := conformance.NewRule("3PID-ONBIND-DISPLAY-NAME", conformance.MUST, area, exchangeAPI+" (content.third_party_invite.display_name is required)",
		"includes content.third_party_invite.display_name, which the exchange request requires, in the partial event it sends after an onbind")
	conformance.It(nameRule, func(ctx SpecContext) {
		p := newPendingRemote(ctx, matrix.RoomVersion{})
		res, _ := p.onbind(ctx, http.MethodPost)
		Expect(res.StatusCode).To(Equal(http.StatusOK), "POST /3pid/onbind, to have an exchange to look at (3PID-ONBIND fails too):\n%v", res)
		Eventually(ctx, func() []federation.Exchange { return p.remote.Journal.RequestsTo(federation.ExchangeThirdPartyInvite) }).
			WithTimeout(bed.Config().Timeouts.Sync).ShouldNot(BeEmpty(),
			"after onbind the homeserver should ask %s to exchange the invite; onbind was answered:\n%v", p.remote.Name(), res)
		ex := p.remote.Journal.RequestsTo(federation.ExchangeThirdPartyInvite)[0]
		body, err := matrix.ParseObject(ex.RequestBody)
		Expect(err).NotTo(HaveOccurred(), "the exchange body: %s", ex.Render())
		content, _ := body.GetObject("content")
		tpi, _ := content.GetObject("third_party_invite")
		_, ok := tpi.GetString("display_name")
		Expect(ok).To(BeTrue(), "the exchange's content.third_party_invite is %s, without a display_name string", compact(tpi))
		Expect(problems(p.remote)).To(BeEmpty(), "what the homeserver sent the room's server (the mock)")
	})

	putRule := conformance.NewRule("3PID-ONBIND-PUT", conformance.MUST, area, onbindAPI+` (third_party_invite.yaml defines the endpoint as "put: /3pid/onbind"; identity-service-api.md says identity servers "make an HTTP POST" instead, which 3PID-ONBIND checks: the documents contradict each other, so a server must accept both methods)`,
		"accepts /3pid/onbind as PUT (the method the federation API's definition gives; the identity service API names POST) and exchanges the invite, as it does for POST")
	conformance.It(putRule, func(ctx SpecContext) {
		p := newPendingRemote(ctx, matrix.RoomVersion{})
		res, signed := p.onbind(ctx, http.MethodPut)
		Expect(res.StatusCode).To(Equal(http.StatusOK), "PUT /3pid/onbind:\n%v", res)
		p.expectExchanged(ctx, res, signed)
	})

	// Bodies an identity server should never send. Each still names bob
	// and the pending invite, so a server that went ahead would have
	// something to exchange.
	// change reshapes the valid body; nil sends it cut short, not JSON.
	type malformed struct {
		what   string
		change func(valid matrix.Object)
	}
	entry := func(valid matrix.Object) matrix.Object {
		invites, _ := valid.GetArray("invites")
		return matrix.Object(invites[0].(map[string]any))
	}
	cases := []malformed{
		{"a body that is not JSON", nil},
		{"invites that is an object, not an array", func(valid matrix.Object) {
			valid["invites"] = map[string]any{"0": map[string]any(entry(valid))}
		}},
		{"an invite without signed", func(valid matrix.Object) {
			delete(entry(valid), "signed")
		}},
		{"an invite whose signed has no token", func(valid matrix.Object) {
			signed, _ := entry(valid).GetObject("signed")
			delete(signed, "token")
		}},
	}
	send := func(ctx SpecContext, p *pendingRemote, c malformed) *identity.Response {
		GinkgoHelper()
		body := p.is.OnBindBody("email", p.email, p.bob.UserID)
		post := p.is.SendUnparsableOnBind
		if c.change != nil {
			c.change(body)
			post = p.is.SendOnBind
		}
		res, err := post(ctx, http.MethodPost, body)
		Expect(err).NotTo(HaveOccurred(), "POST /3pid/onbind with %s", c.what)
		return res
	}

	statusRule := conformance.NewRule("3PID-ONBIND-MALFORMED", conformance.SHOULD, area, onbindAPI+" (the request schema: invites is an array of objects each with signed, whose token is required)",
		"answers a malformed /3pid/onbind (not JSON, invites not an array, an invite without signed or without signed.token) with a 4xx error")
	conformance.It(statusRule, func(ctx SpecContext) {
		p := newPendingRemote(ctx, matrix.RoomVersion{})
		var bad []string
		for _, c := range cases {
			res := send(ctx, p, c)
			for _, problem := range refusal(res.StatusCode) {
				bad = append(bad, c.what+": "+problem+"\n"+res.String())
			}
		}
		Expect(bad).To(BeEmpty(), "malformed onbind bodies")
	})

	quietRule := conformance.NewRule("3PID-ONBIND-MALFORMED-QUIET", conformance.MUST, area, onbindAPI+"; "+authRules+" (an invite needs signed with a token)",
		"sends nothing to the room's server for a malformed /3pid/onbind (not JSON, invites not an array, an invite without signed or without signed.token), creates no invite, and keeps serving")
	conformance.It(quietRule, func(ctx SpecContext) {
		p := newPendingRemote(ctx, matrix.RoomVersion{})
		for _, c := range cases {
			res := send(ctx, p, c)
			Expect(p.remote.Journal.RequestsTo(federation.ExchangeThirdPartyInvite)).To(BeEmpty(),
				"after onbind with %s (answered %d) the homeserver asked the room's server to exchange an invite", c.what, res.StatusCode)
		}
		hs := bed.Homeserver()
		Expect(hs.Alive(ctx)).To(Succeed(), "the homeserver after the malformed onbind bodies")
		res, err := bed.Client().Versions(ctx)
		Expect(err).NotTo(HaveOccurred(), "GET /_matrix/client/versions after the malformed onbind bodies")
		Expect(res.StatusCode).To(Equal(http.StatusOK), "GET /_matrix/client/versions after the malformed onbind bodies:\n%s", res.Dump())
		fres, err := p.remote.Version(ctx)
		Expect(err).NotTo(HaveOccurred(), "GET /_matrix/federation/v1/version after the malformed onbind bodies")
		Expect(fres.StatusCode).To(Equal(http.StatusOK), "GET /_matrix/federation/v1/version after the malformed onbind bodies:\n%v", fres)
		Expect(p.remote.Journal.RequestsTo(federation.ExchangeThirdPartyInvite)).To(BeEmpty(), "no exchange, even late")
		Expect(p.remote.ReceivedInvites()).To(BeEmpty())
		Expect(problems(p.remote)).To(BeEmpty(), "what the homeserver sent the mock")
	})
})

// summaries lists what a mock homeserver's journal holds, one line each.
func summaries(remote *federation.Server) string {
	out := ""
	for _, e := range remote.Journal.Exchanges() {
		out += "    " + e.Summary() + "\n"
	}
	if out == "" {
		return "    (no exchanges)\n"
	}
	return out
}

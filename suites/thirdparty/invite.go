package thirdparty

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/identity"
	"herald/harness/matrix"
)

// emailInvite is a client inviting an email address to a room: the
// inviter, the room, the mock identity server and the token the client
// holds for it.
type emailInvite struct {
	alice *csapi.Client
	room  string
	is    *identity.Server
	token string
	email string
}

func newEmailInvite(ctx context.Context) *emailInvite {
	GinkgoHelper()
	alice := bed.NewUser(ctx, "alice")
	is := bed.NewIdentityServer(ctx)
	return &emailInvite{alice: alice, room: privateRoom(ctx, alice, bed.DefaultRoomVersion(ctx)), is: is, token: is.AccessToken(), email: newEmail()}
}

// body is the invite_3pid request body, without the fields named in omit.
func (e *emailInvite) body(omit ...string) map[string]any {
	b := map[string]any{"id_server": e.is.Name(), "id_access_token": e.token, "medium": "email", "address": e.email}
	for _, k := range omit {
		delete(b, k)
	}
	return b
}

// send posts the invite and returns the answer.
func (e *emailInvite) send(ctx context.Context, omit ...string) *csapi.Response {
	GinkgoHelper()
	res, err := e.alice.InviteBody(ctx, e.room, e.body(omit...))
	Expect(err).NotTo(HaveOccurred())
	return res
}

// answer renders the homeserver's answer to an email invite for a failure
// message; a refusal to trust the identity server gets one line naming the
// cause, which lies in the server's configuration, not its code.
func (e *emailInvite) answer(res *csapi.Response) string {
	if res.Errcode() == "M_SERVER_NOT_TRUSTED" {
		return res.Dump() + fmt.Sprintf("\nLikely cause: the homeserver's configuration does not trust the identity server %s "+
			"(Dendrite trusts only those listed in global.trusted_third_party_id_servers); list it to run the third-party specs.\n", e.is.Name())
	}
	return res.Dump()
}

// heard is what the identity server saw, for a failure message. When it saw
// nothing at all, the likely cause is the homeserver's configuration, not
// its code, and the message says so in one line.
func (e *emailInvite) heard() string {
	if len(e.is.Journal.Exchanges()) == 0 {
		return fmt.Sprintf("nothing: the homeserver made no request at all to the identity server %s. Its configuration probably keeps it from calling that server "+
			"(Dendrite calls only the identity servers listed in global.trusted_third_party_id_servers; Synapse refuses private addresses unless ip_range_whitelist allows them; "+
			"both verify TLS against their trust store, which must hold the run's CA)\n", e.is.Name())
	}
	return e.is.Journal.Summaries()
}

// thirdPartyInvites lists the m.room.third_party_invite events of the room.
func (e *emailInvite) thirdPartyInvites(ctx context.Context) []csapi.Event {
	GinkgoHelper()
	var out []csapi.Event
	for _, ev := range e.alice.MustState(ctx, e.room) {
		if ev.Type() == "m.room.third_party_invite" {
			out = append(out, ev)
		}
	}
	return out
}

var _ = Describe("Inviting by email (client-server third-party invites)", func() {
	storeRule := conformance.NewRule("3PID-INVITE-STORE", conformance.MUST, area, moduleServer+"; "+storeInvite,
		"asks the identity server to store an invite for an unbound email: POST /_matrix/identity/v2/store-invite with a JSON body giving medium, address, room_id and sender, authenticated with the client's id_access_token")
	conformance.It(storeRule, func(ctx SpecContext) {
		e := newEmailInvite(ctx)
		res := e.send(ctx)
		Expect(res.StatusCode).To(Equal(http.StatusOK), "inviting %s by email through %s:\n%s", e.email, e.is.Name(), e.answer(res))

		stores := e.is.Journal.RequestsTo(identity.StoreInvite, identity.LegacyStoreInvite)
		Expect(stores).To(HaveLen(1), "the homeserver should call store-invite once; the identity server saw:\n%s", e.heard())
		problems := storeInviteProblems(stores[0], map[string]string{
			"medium": "email", "address": e.email, "room_id": e.room, "sender": e.alice.UserID,
		}, e.token)
		Expect(problems).To(BeEmpty(), "the store-invite request:\n%s", stores[0].Render())
	})

	eventRule := conformance.NewRule("3PID-INVITE-EVENT", conformance.MUST, area, moduleServer+"; client-server m.room.third_party_invite",
		"emits, after storing the invite, an m.room.third_party_invite state event from the inviter whose state_key is the identity server's token and whose content carries the display_name, public_keys and a public_key with its key_validity_url as the identity server gave them")
	conformance.It(eventRule, func(ctx SpecContext) {
		e := newEmailInvite(ctx)
		res := e.send(ctx)
		Expect(res.StatusCode).To(Equal(http.StatusOK), "inviting %s by email through %s:\n%s", e.email, e.is.Name(), e.answer(res))

		stored := e.is.Invites()
		Expect(stored).To(HaveLen(1), "the identity server should have stored one invite; it saw:\n%s", e.heard())
		inv := stored[0]
		events := e.thirdPartyInvites(ctx)
		Expect(events).To(HaveLen(1), "the room should hold one m.room.third_party_invite")
		ev := events[0]
		Expect(ev.StateKey()).To(Equal(inv.Token), "state_key of %s", ev)
		Expect(ev.Sender()).To(Equal(e.alice.UserID), "sender of %s", ev)
		Expect(inv.EventContentProblems(eventContent(ev))).To(BeEmpty(), "the m.room.third_party_invite event:\n%s", ev)
	})

	boundRule := conformance.NewRule("3PID-INVITE-BOUND", conformance.MUST, area, moduleServer+"; "+membership3p+"; server-server-api.md §Cases where an association exists for a third-party identifier",
		"invites the user an email is bound to with an ordinary m.room.member invite — no store-invite, no m.room.third_party_invite — when the identity server's lookup finds the binding")
	conformance.It(boundRule, func(ctx SpecContext) {
		e := newEmailInvite(ctx)
		bob := bed.NewUser(ctx, "bob")
		e.is.Bind("email", e.email, bob.UserID)
		res := e.send(ctx)
		Expect(res.StatusCode).To(Equal(http.StatusOK), "inviting %s (bound to %s) by email:\n%s", e.email, bob.UserID, e.answer(res))

		member := memberEvent(ctx, e.alice, e.room, bob.UserID)
		got, _ := member.GetString("membership")
		Expect(got).To(Equal("invite"), "%s's membership after inviting the email bound to them; the identity server saw:\n%s", bob.UserID, e.heard())
		Expect(member.Has("third_party_invite")).To(BeFalse(), "the invite of a bound user is an ordinary invite: %s", compact(member))
		Expect(e.is.Journal.RequestsTo(identity.StoreInvite, identity.LegacyStoreInvite)).To(BeEmpty(), "no store-invite for a bound email")
		Expect(e.thirdPartyInvites(ctx)).To(BeEmpty(), "no m.room.third_party_invite for a bound email")
	})

	// Since v1.20 the header is the only way the identity service API
	// takes a token ("Sending the access token as a query string parameter
	// is no longer supported"): a server that still sends it in the query
	// is refused by an identity server that follows the spec.
	bearerRule := conformance.NewRule("3PID-IS-BEARER", conformance.MUST, area, isAuth+" (the access_token query parameter is deprecated, and no longer supported from v1.20)",
		"authenticates every identity-server request that needs a token (hash_details, lookup, store-invite) with an Authorization: Bearer header holding the client's id_access_token")
	conformance.It(bearerRule, func(ctx SpecContext) {
		e := newEmailInvite(ctx)
		res := e.send(ctx)
		Expect(res.StatusCode).To(Equal(http.StatusOK), "inviting %s by email:\n%s", e.email, e.answer(res))
		bound := newEmail()
		e.is.Bind("email", bound, bed.NewUser(ctx, "bob").UserID)
		e.email = bound
		res = e.send(ctx)
		Expect(res.StatusCode).To(Equal(http.StatusOK), "inviting %s (bound) by email:\n%s", bound, e.answer(res))

		authed := e.is.Journal.RequestsTo(identity.HashDetails, identity.Lookup, identity.StoreInvite)
		Expect(authed).NotTo(BeEmpty(), "the homeserver made no request to the v2 identity API (hash_details, lookup, store-invite); it sent:\n%s", e.heard())
		Expect(bearerProblems(authed, e.token)).To(BeEmpty(), "how the homeserver authenticated to the identity server")
	})

	noServer := conformance.NewRule("3PID-INVITE-NO-ID-SERVER", conformance.MUST, area, membership3p+" (definitions/invite_3pid.yaml: id_server is required)",
		"refuses a third-party invite without id_server with a 4xx error, and neither stores an invite nor changes the room")
	conformance.It(noServer, func(ctx SpecContext) {
		e := newEmailInvite(ctx)
		res := e.send(ctx, "id_server")
		Expect(refusal(res.StatusCode)).To(BeEmpty(), "a third-party invite without id_server:\n%s", res.Dump())
		if conformance.Strict() {
			Expect(res.StatusCode).To(Equal(http.StatusBadRequest), "a strict run wants 400 for a missing required field:\n%s", res.Dump())
		}
		Expect(e.is.Journal.Requests()).To(BeEmpty(), "the identity server should hear nothing")
		Expect(e.thirdPartyInvites(ctx)).To(BeEmpty(), "no m.room.third_party_invite")
	})

	// The third-party identifier itself: without it there is nothing to
	// look up or store, so no request may reach the identity server.
	for _, field := range []string{"medium", "address"} {
		r := conformance.NewRule("3PID-INVITE-NO-"+strings.ToUpper(field), conformance.MUST, area, membership3p+" (definitions/invite_3pid.yaml: "+field+" is required)",
			"refuses a third-party invite without "+field+" with a 4xx error (strict runs: 400), sends the identity server no store-invite, and adds no m.room.third_party_invite")
		conformance.It(r, func(ctx SpecContext) {
			e := newEmailInvite(ctx)
			res := e.send(ctx, field)
			Expect(refusal(res.StatusCode)).To(BeEmpty(), "a third-party invite without %s:\n%s", field, res.Dump())
			if conformance.Strict() {
				Expect(res.StatusCode).To(Equal(http.StatusBadRequest), "a strict run wants 400 for a missing required field:\n%s", res.Dump())
			}
			Expect(e.is.Journal.RequestsTo(identity.StoreInvite, identity.LegacyStoreInvite)).To(BeEmpty(),
				"the identity server should get no store-invite for an invite without %s; it saw:\n%s", field, e.heard())
			Expect(e.thirdPartyInvites(ctx)).To(BeEmpty(), "no m.room.third_party_invite")
		})
	}

	noToken := conformance.NewRule("3PID-INVITE-NO-ID-ACCESS-TOKEN", conformance.MAY, area, membership3p+" (definitions/invite_3pid.yaml: id_access_token is required, but servers can treat it as optional for r0.5-era clients)",
		"refuses a third-party invite without id_access_token with a 4xx error, storing nothing")
	conformance.It(noToken, func(ctx SpecContext) {
		e := newEmailInvite(ctx)
		res := e.send(ctx, "id_access_token")
		Expect(refusal(res.StatusCode)).To(BeEmpty(), "a third-party invite without id_access_token:\n%s\nthe identity server saw:\n%s", res.Dump(), e.heard())
		Expect(e.is.Invites()).To(BeEmpty(), "no invite stored")
		Expect(e.thirdPartyInvites(ctx)).To(BeEmpty(), "no m.room.third_party_invite")
	})
})

// eventContent is the content of a client-format event.
func eventContent(ev csapi.Event) matrix.Object {
	obj, err := matrix.ParseObject(ev.Raw)
	if err != nil {
		return nil
	}
	c, _ := obj.GetObject("content")
	return c
}

package invite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/matrix"
)

// areaThirdParty is the area of the third-party invite rules, here those
// of exchange_third_party_invite's request authentication.
const areaThirdParty = "third-party"

// exchangeScene is a third-party invite waiting in an invite-only room of
// the homeserver: alice invited an email address, which carol of the mock
// has since bound; body is the exchange carol's server sends to have the
// invite issued (third_party_invite.yaml).
type exchangeScene struct {
	alice  *csapi.Client
	room   string
	remote *federation.Server
	carol  string
	body   map[string]any
}

func newExchangeScene(ctx context.Context, rv matrix.RoomVersion) *exchangeScene {
	GinkgoHelper()
	alice := bed.NewUser(ctx, "alice")
	room := alice.MustCreateRoom(ctx, csapi.RoomVersion(rv.ID), csapi.Preset(csapi.PresetPrivateChat), csapi.Name("Herald exchange authentication"))
	is := bed.NewIdentityServer(ctx)
	inv := is.Store("email", randomEmail(), room, alice.UserID)
	alice.MustSendState(ctx, room, "m.room.third_party_invite", inv.Token, inv.EventContent())
	// How the homeserver issues the invite of a valid exchange is judged
	// by the 3PID-EXCHANGE rules, not here.
	remote := bed.NewRemote(ctx, federation.AllowProblems())
	carol := remote.User("carol")
	body := federation.ThirdPartyExchange(room, alice.UserID, carol, inv.DisplayName, is.Signed(carol, inv.Token))
	return &exchangeScene{alice: alice, room: room, remote: remote, carol: carol, body: body}
}

// send sends the exchange, shaped by opts.
func (x *exchangeScene) send(ctx context.Context, opts ...federation.RequestOption) *federation.Response {
	GinkgoHelper()
	res, err := x.remote.ExchangeThirdPartyInvite(ctx, x.room, x.body, opts...)
	Expect(err).NotTo(HaveOccurred(), "sending exchange_third_party_invite")
	return res
}

// membership is carol's membership in the room ("" without a member
// event), as alice reads it.
func (x *exchangeScene) membership(ctx context.Context) string {
	GinkgoHelper()
	res, err := x.alice.StateEvent(ctx, x.room, "m.room.member", x.carol)
	Expect(err).NotTo(HaveOccurred())
	if res.StatusCode == http.StatusNotFound {
		return ""
	}
	Expect(res.StatusCode).To(Equal(http.StatusOK), "%s reading the member event of %s:\n%s", x.alice.UserID, x.carol, res.Dump())
	m, _ := res.Get("membership").(string)
	return m
}

// guardAfterRefusal registers the guards of a spec that sent the exchange
// with bad authentication, answered res; once refused (an accepted one is
// the rule's failure):
//   - nothing is issued: the homeserver sent carol's server no invite, and
//     carol is not invited to the room;
//   - the refusal was the authentication's: the same exchange, properly
//     signed, gets past it (any answer but 401). Whether the server then
//     accepts it is 3PID-EXCHANGE's business, so a server that fails
//     valid exchanges fails that rule, not this guard.
func (x *exchangeScene) guardAfterRefusal(ctx context.Context, res *federation.Response) {
	if res == nil || res.StatusCode < 400 {
		return
	}
	conformance.Guard("nothing is issued", func() {
		Expect(exchangeActedOn(x.remote.ReceivedInvites(), x.membership(ctx))).To(BeEmpty(),
			"the homeserver refused the exchange with %d, yet acted on it", res.StatusCode)
	})
	conformance.Guard("the refusal was the authentication's", func() {
		again := x.send(ctx)
		Expect(passedAuthentication(again.StatusCode)).To(BeEmpty(), "the same exchange, properly signed, after the refusal:\n%v", again)
	})
}

// passedAuthentication says what is wrong when a properly signed request
// is answered as an unauthenticated one would be.
func passedAuthentication(status int) []string {
	if status == http.StatusUnauthorized {
		return []string{"answered 401: the server refuses the request properly signed too, so its refusal of the bad one says nothing about request authentication"}
	}
	return nil
}

// exchangeActedOn lists what the homeserver did with an exchange it
// refused: each invite it sent the invitee's server, and the invitee's
// membership if the room now holds the invite.
func exchangeActedOn(sent []federation.ReceivedInvite, membership string) []string {
	var out []string
	for _, inv := range sent {
		id := "(no event)"
		if inv.Event != nil {
			id = inv.Event.ID
		}
		out = append(out, fmt.Sprintf("it sent the invitee's server an invite (%s %s)", inv.API, id))
	}
	if membership == "invite" {
		out = append(out, "the invitee's membership in the room is invite")
	}
	return out
}

// randomEmail is an email address nobody has bound.
func randomEmail() string {
	b := make([]byte, 5)
	rand.Read(b)
	return "herald-" + hex.EncodeToString(b) + "@example.org"
}

package thirdparty

import (
	"context"
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/identity"
	"herald/harness/spec"
	"herald/harness/suite"
)

// localInvite is a third-party invite in an invite-only room of the
// homeserver under test: alice invited an email that bob, on the same
// homeserver, has bound; bob joins with the identity server's signed block.
type localInvite struct {
	alice, bob *csapi.Client
	room       string
	is         *identity.Server
	inv        *identity.Invite
}

// newLocalInvite sets the scene in a room of version rv (the server's
// default for the zero RoomVersion).
func newLocalInvite(ctx context.Context, rv spec.RoomVersion) *localInvite {
	GinkgoHelper()
	alice, bob := suite.NewUser(ctx, "alice"), suite.NewUser(ctx, "bob")
	if rv.ID == "" {
		rv = suite.DefaultRoomVersion(ctx)
	}
	suite.RequireRoomVersion(ctx, rv)
	room := privateRoom(ctx, alice, rv)
	is := suite.NewIdentityServer(ctx)
	return &localInvite{alice: alice, bob: bob, room: room, is: is, inv: pendingInvite(ctx, alice, room, is, newEmail())}
}

// signed is the third_party_signed block the identity server gives bob
// (v2_invitation_signing.yaml: mxid, sender, token, signatures).
func (l *localInvite) signed(opts ...identity.SignOption) spec.Object {
	return l.is.Signed(l.bob.UserID, l.inv.Token, append([]identity.SignOption{identity.WithSender(l.alice.UserID)}, opts...)...)
}

// join has bob POST /rooms/{roomId}/join with third_party_signed.
func (l *localInvite) join(ctx context.Context, signed spec.Object) *csapi.Response {
	GinkgoHelper()
	res, err := l.bob.JoinRoomByID(ctx, l.room, csapi.ThirdPartySigned(map[string]any(signed)))
	Expect(err).NotTo(HaveOccurred())
	return res
}

var _ = Describe("Joining with third_party_signed", func() {
	joinRule := rule("3PID-JOIN", conformance.MUST, joiningAPI+"; "+moduleServer,
		"joins a user to an invite-only room when they present a third_party_signed block that matches a pending m.room.third_party_invite and is signed by one of its keys")
	conformance.ForEachRoomVersion(joinRule, func(ctx SpecContext, rv spec.RoomVersion) {
		l := newLocalInvite(ctx, rv)
		res := l.join(ctx, l.signed())
		Expect(res.StatusCode).To(Equal(http.StatusOK), "joining with a valid third_party_signed:\n%s%s", res.Dump(), required(joinRule))
		Expect(res.Get("room_id")).To(Equal(l.room), "the join answer's room_id:\n%s", res.Dump())
		Expect(membershipOf(ctx, l.alice, l.room, l.bob.UserID)).To(Equal("join"), "%s's membership after the join%s", l.bob.UserID, required(joinRule))
	})

	keyRule := rule("3PID-JOIN-KEY-CHECK", conformance.MUST, keyValidity+"; "+joiningAPI+" (\"perform key validity checking if required by the event\")",
		"asks the identity server, at the m.room.third_party_invite's key_validity_url, whether the key that signed third_party_signed is still valid when a user joins with it")
	conformance.It(keyRule, func(ctx SpecContext) {
		l := newLocalInvite(ctx, spec.RoomVersion{})
		res := l.join(ctx, l.signed())
		Expect(res.StatusCode).To(Equal(http.StatusOK), "joining with a valid third_party_signed:\n%s%s", res.Dump(), required(keyRule))
		Expect(keyChecked(l.is.Journal.Requests(), l.is.LongTermKey(), l.inv.EventContent()["key_validity_url"].(string))).To(BeTrue(),
			"the homeserver never asked whether the long-term key %s that signed the block is valid; the identity server saw:\n%s%s",
			l.is.LongTermKey().PublicKeyBase64(), l.is.Journal.Summaries(), required(keyRule))
	})

	for _, c := range []struct {
		id, what, section string
		signed            func(ctx SpecContext, l *localInvite) spec.Object
	}{
		{"FORGED-KEY", "signed with a key the identity server never published (under its name and key ID)", authRules + " (a signature in signed must verify under a key of the m.room.third_party_invite)",
			func(ctx SpecContext, l *localInvite) spec.Object {
				return l.signed(identity.SignedWith(l.is.ForgedKey()))
			}},
		{"REVOKED-KEY", "signed with a key its key_validity_url now reports invalid", keyValidity,
			func(ctx SpecContext, l *localInvite) spec.Object {
				l.is.Revoke(l.is.LongTermKey())
				return l.signed()
			}},
		{"MXID", "made out to another user", authRules + " (mxid must match state_key)",
			func(ctx SpecContext, l *localInvite) spec.Object {
				return l.is.Signed(suite.NewUser(ctx, "mallory").UserID, l.inv.Token, identity.WithSender(l.alice.UserID))
			}},
		{"TOKEN", "for a token that matches no m.room.third_party_invite in the room", authRules + " (an m.room.third_party_invite with state_key token must be in the room state)",
			func(ctx SpecContext, l *localInvite) spec.Object {
				return l.is.Signed(l.bob.UserID, unique("unknown-token"), identity.WithSender(l.alice.UserID))
			}},
	} {
		r := rule("3PID-JOIN-"+c.id, conformance.MUST, joiningAPI+" (403 when the user may not join); "+c.section,
			"refuses with 403 a join whose third_party_signed is "+c.what+", and the user gets no membership")
		conformance.It(r, func(ctx SpecContext) {
			l := newLocalInvite(ctx, spec.RoomVersion{})
			res := l.join(ctx, c.signed(ctx, l))
			var problems []string
			if res.StatusCode != http.StatusForbidden {
				problems = append(problems, fmt.Sprintf("answered %d, not 403", res.StatusCode))
			}
			if m := membershipOf(ctx, l.alice, l.room, l.bob.UserID); m != "" {
				problems = append(problems, fmt.Sprintf("%s's membership is now %q", l.bob.UserID, m))
			}
			Expect(problems).To(BeEmpty(), "joining with third_party_signed %s:\n%s%s", c.what, res.Dump(), required(r))
		})
	}
})

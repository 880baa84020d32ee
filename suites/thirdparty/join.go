package thirdparty

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/identity"
	"herald/harness/matrix"
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
func newLocalInvite(ctx context.Context, rv matrix.RoomVersion) *localInvite {
	GinkgoHelper()
	alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
	if rv.ID == "" {
		rv = bed.DefaultRoomVersion(ctx)
	}
	bed.RequireRoomVersion(ctx, rv)
	room := privateRoom(ctx, alice, rv)
	is := bed.NewIdentityServer(ctx)
	return &localInvite{alice: alice, bob: bob, room: room, is: is, inv: pendingInvite(ctx, alice, room, is, newEmail())}
}

// signed is the third_party_signed block the identity server gives bob
// (v2_invitation_signing.yaml: mxid, sender, token, signatures).
func (l *localInvite) signed(opts ...identity.SignOption) matrix.Object {
	return l.is.Signed(l.bob.UserID, l.inv.Token, append([]identity.SignOption{identity.WithSender(l.alice.UserID)}, opts...)...)
}

// door is one of the two client endpoints that join a room, each of
// which takes third_party_signed (joining.yaml).
type door struct {
	// prefix starts the IDs of the rules checked through this door.
	prefix, endpoint, section string
	join                      func(c *csapi.Client, ctx context.Context, room string, opts ...csapi.MembershipOption) (*csapi.Response, error)
}

var doors = []door{
	{"3PID-JOIN", "POST /rooms/{roomId}/join", joiningAPI, (*csapi.Client).JoinRoomByID},
	{"3PID-JOINROOM", "POST /join/{roomIdOrAlias} (given the room ID)", joiningAnyAPI, (*csapi.Client).Join},
}

// join has bob join through d with third_party_signed.
func (l *localInvite) join(ctx context.Context, d door, signed matrix.Object) *csapi.Response {
	GinkgoHelper()
	res, err := d.join(l.bob, ctx, l.room, csapi.ThirdPartySigned(map[string]any(signed)))
	Expect(err).NotTo(HaveOccurred(), "%s with third_party_signed", d.endpoint)
	return res
}

// joinRefusal is a third_party_signed block the join must refuse.
type joinRefusal struct {
	id, what, section string
	// statuses are the answers that refuse it.
	statuses []int
	signed   func(ctx SpecContext, l *localInvite) matrix.Object
}

var joinRefusals = []joinRefusal{
	{"FORGED-KEY", "signed with a key the identity server never published (under its name and key ID)", authRules + " (a signature in signed must verify under a key of the m.room.third_party_invite)", forbidden,
		func(ctx SpecContext, l *localInvite) matrix.Object {
			return l.signed(identity.SignedWith(l.is.ForgedKey()))
		}},
	{"REVOKED-KEY", "signed with a key its key_validity_url now reports invalid", keyValidity, forbidden,
		func(ctx SpecContext, l *localInvite) matrix.Object {
			l.is.Revoke(l.is.LongTermKey())
			return l.signed()
		}},
	{"MXID", "made out to another user", authRules + " (mxid must match state_key)", forbidden,
		func(ctx SpecContext, l *localInvite) matrix.Object {
			return l.is.Signed(bed.NewUser(ctx, "mallory").UserID, l.inv.Token, identity.WithSender(l.alice.UserID))
		}},
	{"TOKEN", "for a token that matches no m.room.third_party_invite in the room", authRules + " (an m.room.third_party_invite with state_key token must be in the room state)", forbidden,
		func(ctx SpecContext, l *localInvite) matrix.Object {
			return l.is.Signed(l.bob.UserID, unique("unknown-token"), identity.WithSender(l.alice.UserID))
		}},
	{"SENDER", "whose sender is another member allowed to invite, not the inviter who sent the pending m.room.third_party_invite (signed by the identity server)", pendingMatch + " (the block's sender is the user who issued the invite)", forbidden,
		func(ctx SpecContext, l *localInvite) matrix.Object {
			dave := bed.NewUser(ctx, "dave")
			l.alice.MustInvite(ctx, l.room, dave.UserID)
			dave.MustJoinRoomByID(ctx, l.room)
			return l.is.Signed(l.bob.UserID, l.inv.Token, identity.WithSender(dave.UserID))
		}},
	{"NO-SENDER", "missing sender (the identity server signed the rest)", thirdPartySignedSchema, malformed,
		func(ctx SpecContext, l *localInvite) matrix.Object { return l.signed(identity.Omitting("sender")) }},
	{"NO-MXID", "missing mxid (the identity server signed the rest)", thirdPartySignedSchema, malformed,
		func(ctx SpecContext, l *localInvite) matrix.Object { return l.signed(identity.Omitting("mxid")) }},
	{"NO-TOKEN", "missing token (the identity server signed the rest)", thirdPartySignedSchema, malformed,
		func(ctx SpecContext, l *localInvite) matrix.Object { return l.signed(identity.Omitting("token")) }},
	{"NO-SIGNATURES", "missing signatures", thirdPartySignedSchema, malformed,
		func(ctx SpecContext, l *localInvite) matrix.Object { return l.signed(identity.Omitting("signatures")) }},
}

// The answers that refuse a join: 403 when the user may not join; for a
// block the schema does not allow, 400 (a malformed request) too.
var (
	forbidden = []int{http.StatusForbidden}
	malformed = []int{http.StatusBadRequest, http.StatusForbidden}
)

var _ = Describe("Joining with third_party_signed", func() {
	for _, d := range doors {
		joinRule := conformance.NewRule(d.prefix, conformance.MUST, area, d.section+"; "+moduleServer,
			"joins a user to an invite-only room when they present a third_party_signed block that matches a pending m.room.third_party_invite and is signed by one of its keys"+through(d))
		conformance.ForEachRoomVersion(joinRule, func(ctx SpecContext, rv matrix.RoomVersion) {
			l := newLocalInvite(ctx, rv)
			res := l.join(ctx, d, l.signed())
			Expect(res.StatusCode).To(Equal(http.StatusOK), "joining with a valid third_party_signed:\n%s", res.Dump())
			Expect(res.Get("room_id")).To(Equal(l.room), "the join answer's room_id:\n%s", res.Dump())
			Expect(membershipOf(ctx, l.alice, l.room, l.bob.UserID)).To(Equal("join"), "%s's membership after the join", l.bob.UserID)
		})

		keyRule := conformance.NewRule(d.prefix+"-KEY-CHECK", conformance.MUST, area, keyValidity+"; "+d.section+" (\"perform key validity checking if required by the event\")",
			"asks the identity server, at the m.room.third_party_invite's key_validity_url, whether the key that signed third_party_signed is still valid when a user joins with it"+through(d))
		conformance.It(keyRule, func(ctx SpecContext) {
			l := newLocalInvite(ctx, matrix.RoomVersion{})
			res := l.join(ctx, d, l.signed())
			Expect(res.StatusCode).To(Equal(http.StatusOK), "joining with a valid third_party_signed:\n%s", res.Dump())
			Expect(l.is.AskedWhetherValid(l.is.LongTermKey(), l.inv.EventContent()["key_validity_url"].(string))).To(BeTrue(),
				"the homeserver never asked whether the long-term key %s that signed the block is valid; the identity server saw:\n%s",
				l.is.LongTermKey().PublicKeyBase64(), l.is.Journal.Summaries())
		})

		for _, c := range joinRefusals {
			r := conformance.NewRule(d.prefix+"-"+c.id, conformance.MUST, area, d.section+" ("+answerWords(c.statuses)+"); "+c.section,
				"refuses with "+statusWords(c.statuses)+" a join whose third_party_signed is "+c.what+", and the user gets no membership"+through(d))
			refusalSpecs(r, func(ctx SpecContext, rv matrix.RoomVersion) {
				l := newLocalInvite(ctx, rv)
				res := l.join(ctx, d, c.signed(ctx, l))
				Expect(joinRefusalProblems(res.StatusCode, c.statuses, l.bob.UserID, membershipOf(ctx, l.alice, l.room, l.bob.UserID))).To(BeEmpty(),
					"joining with third_party_signed %s%s:\n%s", c.what, through(d), res.Dump())
			})
		}
	}
})

// through names the door in a rule's words; the first door's rules keep
// the words they had before the twin was checked.
func through(d door) string {
	if d.prefix == doors[0].prefix {
		return ""
	}
	return ", through " + d.endpoint
}

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
	"herald/harness/matrix"
)

// Where the spec states who may emit an m.room.third_party_invite.
const (
	thirdPartyInviteAuth = "rooms/v1.md–v12.md §Authorization rules: m.room.third_party_invite (\"Allow if and only if sender's current power level is greater than or equal to the invite level\")"
	membership3pForbid   = membership3p + " 403 (\"The inviter's power level is insufficient to invite users to the room\")"
)

// inviteLevel is the invite level of the rooms below; the member who
// invites has the default user level, 0.
const inviteLevel = 50

// lowPowerInvite sets the scene in a room of version rv (the server's
// default for the zero RoomVersion): alice creates an invite-only room
// whose invite level is 50 and lets bob in (invite, join), so he is a
// member at level 0; bob then invites an unbound email through the mock
// identity server. The emailInvite's inviter is bob.
func lowPowerInvite(ctx context.Context, rv matrix.RoomVersion) (*emailInvite, *csapi.Response) {
	GinkgoHelper()
	if rv.ID == "" {
		rv = bed.DefaultRoomVersion(ctx)
	}
	bed.RequireRoomVersion(ctx, rv)
	alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
	room := privateRoom(ctx, alice, rv, csapi.PowerLevelOverride(map[string]any{"invite": inviteLevel}))
	alice.MustInvite(ctx, room, bob.UserID)
	bob.MustJoinRoomByID(ctx, room)

	is := bed.NewIdentityServer(ctx)
	e := &emailInvite{alice: bob, room: room, is: is, token: is.AccessToken(), email: newEmail()}
	return e, e.send(ctx)
}

// lowPowerProblems judges the answer to a third-party invite by a member
// below the invite level and the room state after it (the state keys of
// its m.room.third_party_invite events): 403, a Matrix error body, and no
// m.room.third_party_invite.
func lowPowerProblems(status int, body []byte, pending []string) []string {
	var out []string
	switch {
	case status >= 200 && status < 300:
		out = append(out, fmt.Sprintf("answered %d: the invite of a member below the invite level was accepted, not refused with 403", status))
	case status != http.StatusForbidden:
		out = append(out, fmt.Sprintf("answered %d, not 403", status))
	}
	if status >= 400 {
		if obj, err := matrix.ParseObject(body); err != nil {
			out = append(out, "the refusal is not a JSON object (a Matrix error response has errcode and error)")
		} else if code, _ := obj.GetString("errcode"); code == "" {
			out = append(out, "the refusal has no string errcode")
		}
	}
	for _, token := range pending {
		out = append(out, fmt.Sprintf("the room state holds an m.room.third_party_invite (state_key %q) sent by a member below the invite level", token))
	}
	return out
}

// storeProblems judges the identity server's store-invite requests (their
// summaries) after a third-party invite the homeserver must refuse: none.
func storeProblems(stores []string) []string {
	var out []string
	for _, s := range stores {
		out = append(out, "the homeserver stored an invite it refuses at the identity server: "+s)
	}
	return out
}

// pendingTokens lists the state keys of the room's m.room.third_party_invite events.
func (e *emailInvite) pendingTokens(ctx context.Context) []string {
	GinkgoHelper()
	var out []string
	for _, ev := range e.thirdPartyInvites(ctx) {
		out = append(out, ev.StateKey())
	}
	return out
}

var _ = Describe("Inviting by email without the power to invite", func() {
	refusedRule := conformance.NewRule("3PID-INVITE-LOW-POWER", conformance.MUST, area, thirdPartyInviteAuth+"; "+membership3pForbid,
		"refuses a third-party invite (POST /rooms/{roomId}/invite with id_server, medium and address) by a member whose power level is below the room's invite level with 403 and a Matrix error body, and no m.room.third_party_invite enters the room state")
	conformance.ForEachRoomVersion(refusedRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		e, res := lowPowerInvite(ctx, rv)
		Expect(lowPowerProblems(res.StatusCode, res.Body, e.pendingTokens(ctx))).To(BeEmpty(),
			"%s, at power level 0 in %s whose invite level is %d, inviting %s by email:\n%s\nThe identity server saw:\n%s",
			e.alice.UserID, e.room, inviteLevel, e.email, e.answer(res), e.is.Journal.Summaries())
	}, matrix.MustRoomVersion("1"), matrix.MustRoomVersion("12"))

	// The module has the server store the invite and then emit the event;
	// it does not say to check the power level first. A store-invite for
	// an invite the server then refuses leaves the identity server holding
	// a pending invite, which it will announce (onbind) once the address
	// is bound, to a room that has no m.room.third_party_invite for it. A
	// SHOULD: the spec's words do not forbid it.
	storeRule := conformance.NewRule("3PID-INVITE-LOW-POWER-NO-STORE", conformance.SHOULD, area, thirdPartyInviteAuth+"; "+membership3pForbid+"; "+moduleServer,
		"does not ask the identity server to store a third-party invite it must refuse because the inviting member's power level is below the room's invite level: the identity server receives no store-invite")
	conformance.It(storeRule, func(ctx SpecContext) {
		e, res := lowPowerInvite(ctx, matrix.RoomVersion{})
		var stores []string
		for _, ex := range e.is.Journal.RequestsTo(identity.StoreInvite, identity.LegacyStoreInvite) {
			stores = append(stores, ex.Summary())
		}
		Expect(storeProblems(stores)).To(BeEmpty(),
			"%s, at power level 0 in %s whose invite level is %d, inviting %s by email was answered:\n%s\nThe identity server saw:\n%s",
			e.alice.UserID, e.room, inviteLevel, e.email, e.answer(res), e.is.Journal.Summaries())
	})
})

package invite

import (
	"context"
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// Server ACLs on the invite APIs: a room of the homeserver under test
// denies, through m.room.server_acl, a server that is in it; that server's
// invites into the room must be refused.

// secACL is where the spec requires it; the ACL's own rules (allow, deny,
// globs, the port not considered) are in client-server-api
// m.room.server_acl.
const secACL = "server-server-api.md §Server Access Control Lists (ACLs)"

var _ = Describe("Inbound invites from a server the room's ACL denies", func() {
	conformance.ForEachRoomVersion(conformance.NewRule("INV2-ACL-DENIED", conformance.MUST, areaInviteV2,
		secACL+` ("/_matrix/federation/v2/invite" MUST be protected: "the receiving server MUST reply with a 403 HTTP status code and an errcode of M_FORBIDDEN")`,
		`refuses with 403 and errcode M_FORBIDDEN a correctly built and signed v2 invite from a server in the room that the room's m.room.server_acl denies (deny: its server name without the port; allow: ["*"]), having accepted the same server's invite into the room before the ACL`),
		func(ctx SpecContext, rv matrix.RoomVersion) { checkDeniedByACL(ctx, rv, federation.InviteV2) })

	// "Servers which receive a v1 invite request must assume that the
	// room version is either 1 or 2" (invites-v1.yaml).
	conformance.ForEachRoomVersion(conformance.NewRule("INV1-ACL-DENIED", conformance.MUST, areaInviteV1,
		secACL+` ("/_matrix/federation/v1/invite" MUST be protected: "the receiving server MUST reply with a 403 HTTP status code and an errcode of M_FORBIDDEN")`,
		`refuses with 403 and errcode M_FORBIDDEN a correctly built and signed v1 invite from a server in the room that the room's m.room.server_acl denies (deny: its server name without the port; allow: ["*"]), having accepted the same server's invite into the room before the ACL`),
		func(ctx SpecContext, rv matrix.RoomVersion) { checkDeniedByACL(ctx, rv, federation.InviteV1) }, v1Versions...)
})

// checkDeniedByACL: moderator, a local user, creates a public room of
// version rv, which the mock's user alice joins. Before any ACL, alice
// invites dave, a local user, over api: the control, which must be
// accepted. Then moderator denies the mock's server in the room's ACL and,
// once the ACL is the room's state, alice invites bob over the same API:
// the server must refuse it with 403 M_FORBIDDEN, and bob must never see
// it.
func checkDeniedByACL(ctx SpecContext, rv matrix.RoomVersion, api federation.Route) {
	bed.RequireRoomVersion(ctx, rv)
	s := newACLScene(ctx, rv)

	s.control(ctx, api)
	acl := s.denyMock(ctx)

	_, res, err := s.room.Invite(ctx, api, s.alice, s.bob.UserID)
	if res == nil {
		Expect(err).NotTo(HaveOccurred(), "sending the %s invite of %s", api.Name(), s.bob.UserID)
	}
	s.guardAfterRefusalOver(ctx, res, s.room.ID, api == federation.InviteV1)
	Expect(res).To(deniedByACL(),
		"%s's invite of %s into %s (room version %s), sent over %s after %s set the room's m.room.server_acl to %s; the same server's invite of %s into the room was answered %s before the ACL",
		s.alice, s.bob.UserID, s.room.ID, rv.ID, api.Name(), s.moderator.UserID, showACL(acl), s.dave.UserID, s.controlAnswer)
}

// deniedByACL is the check of the ACL rules: the request refused with 403
// and errcode M_FORBIDDEN.
func deniedByACL() types.GomegaMatcher {
	return SatisfyAll(match.BeRefusedWith(http.StatusForbidden), match.HaveErrcode("M_FORBIDDEN"))
}

// aclScene is a room of the homeserver with a server the ACL will deny
// in it. It is an inboundScene whose room is the mock's copy of the
// homeserver's room and whose alice is the mock's user joined to it, so
// that the inbound guards apply.
type aclScene struct {
	*inboundScene
	moderator *csapi.Client // the room's creator, a local user
	dave      *csapi.Client // the control's invitee, a local user
	// controlAnswer says how the control invite was answered.
	controlAnswer string
}

// newACLScene: moderator creates a public room of version rv in which
// anyone may invite (invite level 0), and the mock's user alice joins it.
func newACLScene(ctx context.Context, rv matrix.RoomVersion) *aclScene {
	GinkgoHelper()
	moderator, bob, dave := bed.NewUser(ctx, "moderator"), bed.NewUser(ctx, "bob"), bed.NewUser(ctx, "dave")
	roomID := moderator.MustCreateRoom(ctx, csapi.RoomVersion(rv.ID), csapi.Preset(csapi.PresetPublicChat),
		csapi.Name("Herald server ACL v"+rv.ID), csapi.PowerLevelOverride(map[string]any{"invite": 0}))
	remote := bed.NewRemote(ctx)
	alice := remote.User("alice")
	room, err := remote.JoinRoom(ctx, roomID, alice)
	Expect(err).NotTo(HaveOccurred(), "the mock's user %s joining the public room %s", alice, roomID)
	moderator.MustSyncUntil(ctx, csapi.MembershipIs(roomID, alice, "join"))
	return &aclScene{
		inboundScene: &inboundScene{rv: rv, bob: bob, remote: remote, alice: alice, room: room},
		moderator:    moderator, dave: dave,
	}
}

// control has alice invite dave over api before any ACL, and registers
// the guard that it was accepted: without it, a refusal after the ACL
// would prove nothing about the ACL. An accepted invite reaches the room
// (the mock sends it in a transaction); control waits until moderator
// sees it, so the ACL comes after it.
func (s *aclScene) control(ctx context.Context, api federation.Route) {
	GinkgoHelper()
	_, res, err := s.room.Invite(ctx, api, s.alice, s.dave.UserID)
	s.controlAnswer = "with no answer"
	if res != nil {
		s.controlAnswer = fmt.Sprintf("%d", res.StatusCode)
	}
	conformance.Guard("before the ACL, the same invite flow is accepted", func() {
		Expect(err).NotTo(HaveOccurred(), "the control: %s's %s invite of %s into %s before any ACL", s.alice, api.Name(), s.dave.UserID, s.room.ID)
		Expect(res).To(match.HaveStatus(http.StatusOK),
			"the control: before any ACL, %s's %s invite of %s into %s must be accepted, or a refusal after the ACL proves nothing", s.alice, api.Name(), s.dave.UserID, s.room.ID)
	})
	if err == nil && res.StatusCode == http.StatusOK {
		s.moderator.MustSyncUntil(ctx, csapi.MembershipIs(s.room.ID, s.dave.UserID, "invite"))
	}
}

// denyMock has moderator set the room's m.room.server_acl to deny the
// mock's server by its host (allowing every other server), and waits
// until moderator's client reads it as the room's current state: the ACL
// is in force at the server. It returns the ACL's content.
func (s *aclScene) denyMock(ctx context.Context) map[string]any {
	GinkgoHelper()
	host := s.remote.Host()
	acl := map[string]any{"allow": []any{"*"}, "deny": []any{host}}
	s.moderator.MustSendState(ctx, s.room.ID, "m.room.server_acl", "", acl)
	Eventually(ctx, func() (any, error) { return aclDenies(ctx, s.moderator, s.room.ID) }).
		WithTimeout(bed.Config().Timeouts.Sync).Should(ContainElement(host),
		"%s's m.room.server_acl denying %s, as %s reads the room's state", s.moderator.UserID, host, s.moderator.UserID)
	return acl
}

// aclDenies is the deny list of the room's current m.room.server_acl as
// user reads it.
func aclDenies(ctx context.Context, user *csapi.Client, roomID string) (any, error) {
	res, err := user.StateEvent(ctx, roomID, "m.room.server_acl", "")
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET the room's m.room.server_acl: %d %s", res.StatusCode, res.Body)
	}
	content, err := res.JSON()
	if err != nil {
		return nil, err
	}
	return content["deny"], nil
}

// showACL renders an ACL's content for a failure message.
func showACL(acl map[string]any) string {
	data, err := matrix.CanonicalJSON(acl)
	if err != nil {
		return fmt.Sprint(acl)
	}
	return string(data)
}

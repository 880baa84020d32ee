package invite

import (
	"context"
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/matrix"
)

// secHashCheck is where the spec says what a receiver does with an event
// whose content hash does not match.
const secHashCheck = `server-server-api.md §Checks performed on receipt of a PDU ("Passes hash checks, otherwise it is redacted before being processed further"), §Validating hashes and signatures on received events ("the receiving server should use the redacted copy it calculated rather than the full copy it received")`

// changedReason is what the mock puts into an invite's content after
// signing it: a server that checks the content hash never shows it.
const changedReason = "Herald: put in after signing; a server that checks the content hash never shows this"

// Invites whose content was changed after they were hashed and signed:
// the signatures still verify (they cover the redacted event only), the
// content hash does not. The receiver may refuse such an invite; if it
// takes it, it takes the redacted copy, so the invitee never sees the
// changed content.
var _ = Describe("Inbound invites whose content hash does not match", func() {
	conformance.ForEachRoomVersion(conformance.NewRule("INV2-BAD-HASH", conformance.MUST, areaInviteV2, secHashCheck,
		"uses only the redacted copy of a v2 invite whose content hash does not match its content (a reason added after signing): the invitee never sees the added reason"),
		func(ctx SpecContext, rv matrix.RoomVersion) { checkBadHash(ctx, rv, false) })

	conformance.ForEachRoomVersion(conformance.NewRule("INV1-BAD-HASH", conformance.MUST, areaInviteV1, secHashCheck,
		"uses only the redacted copy of a v1 invite whose content hash does not match its content (a reason added after signing): the invitee never sees the added reason"),
		func(ctx SpecContext, rv matrix.RoomVersion) { checkBadHash(ctx, rv, true) }, v1Versions...)
})

// checkBadHash sends alice's invite of bob with a reason put into its
// content after signing, over the v1 or the v2 API. A refusal processes
// nothing (and must not reach bob); an accepted invite must reach bob
// redacted, without the reason. Either way the server must still serve.
func checkBadHash(ctx context.Context, rv matrix.RoomVersion, v1 bool) {
	s := newInboundScene(ctx, rv, nil)
	bed.RequireRoomVersion(ctx, rv)
	bad := forged{federation.WithContentChangedAfterSigning(s.invite(), map[string]any{"reason": changedReason}), s.room, true}
	var res *federation.Response
	if v1 {
		res = bad.sendV1(ctx, s.remote)
	} else {
		res = bad.sendV2(ctx, s.remote)
	}
	s.guardAfterRefusalOver(ctx, res, bad.refusedRoom(), v1)
	if res.StatusCode != http.StatusOK {
		By(fmt.Sprintf("the server refused the invite (%d): it processed nothing of it", res.StatusCode))
		return
	}
	sr := s.bob.MustSyncUntil(ctx, csapi.InvitedTo(s.room.ID))
	member, ok := sr.InviteStateEvent(s.room.ID, "m.room.member", s.bob.UserID)
	if !ok {
		Skip(fmt.Sprintf("the invite state of %s in %s's /sync holds no m.room.member event of %s, so what the server kept of the invite cannot be seen", s.room.ID, s.bob.UserID, s.bob.UserID))
	}
	Expect(member.Content()).NotTo(HaveKey("reason"),
		"the server accepted (200) an invite whose content hash does not match its content, and showed %s the reason put in after signing, instead of the redacted copy:\n%s", s.bob.UserID, member)
}

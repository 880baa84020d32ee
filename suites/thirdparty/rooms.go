package thirdparty

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/csapi"
	"herald/harness/identity"
	"herald/harness/matrix"
)

// unique returns prefix with a random suffix.
func unique(prefix string) string {
	b := make([]byte, 5)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// newEmail is a fresh email address nobody has bound.
func newEmail() string { return unique("herald") + "@example.org" }

// privateRoom creates an invite-only room of version v with creator in it.
func privateRoom(ctx context.Context, creator *csapi.Client, v matrix.RoomVersion, opts ...csapi.RoomOption) string {
	GinkgoHelper()
	return creator.MustCreateRoom(ctx, append([]csapi.RoomOption{
		csapi.RoomVersion(v.ID), csapi.Preset(csapi.PresetPrivateChat), csapi.Name("Herald third-party invites"),
	}, opts...)...)
}

// pendingInvite has the inviter emit the m.room.third_party_invite of an
// invite the identity server stored, as its homeserver would after
// store-invite (client-server m.room.third_party_invite).
func pendingInvite(ctx context.Context, inviter *csapi.Client, room string, is *identity.Server, email string) *identity.Invite {
	GinkgoHelper()
	inv := is.Store("email", email, room, inviter.UserID)
	inviter.MustSendState(ctx, room, "m.room.third_party_invite", inv.Token, inv.EventContent())
	return inv
}

// memberEvent returns the content of user's m.room.member event in room as
// observer reads it, or nil when there is none.
func memberEvent(ctx context.Context, observer *csapi.Client, room, user string) matrix.Object {
	GinkgoHelper()
	res, err := observer.StateEvent(ctx, room, "m.room.member", user)
	Expect(err).NotTo(HaveOccurred())
	if res.StatusCode == http.StatusNotFound {
		return nil
	}
	Expect(res.StatusCode).To(Equal(http.StatusOK), "%s reading the member event of %s in %s:\n%s", observer.UserID, user, room, res.Dump())
	obj, err := matrix.ParseObject(res.Body)
	Expect(err).NotTo(HaveOccurred(), "the member event of %s in %s", user, room)
	return obj
}

// membershipOf is user's membership in room ("" without a member event).
func membershipOf(ctx context.Context, observer *csapi.Client, room, user string) string {
	GinkgoHelper()
	s, _ := memberEvent(ctx, observer, room, user).GetString("membership")
	return s
}

// compact renders v as one line of JSON.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

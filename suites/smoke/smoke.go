// Package smoke proves the pipeline end to end: a real homeserver in Docker, users, rooms in every room version, an invite seen in /sync, a join.
package smoke

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/csapi"
	"herald/harness/spec"
	"herald/harness/suite"
)

var _ = Describe("Smoke: the homeserver under test", Label("smoke"), func() {
	It("[SMOKE-VERSIONS] answers GET /_matrix/client/versions", func(ctx SpecContext) {
		v := suite.Client().MustVersions(ctx)
		Expect(v.Versions).NotTo(BeEmpty(), "the server lists no spec versions")
	})

	It("[SMOKE-REGISTER] registers users who can authenticate", func(ctx SpecContext) {
		alice := suite.NewUser(ctx, "alice")
		bob := suite.NewUser(ctx, "bob")
		Expect(alice.MustWhoami(ctx).UserID).To(Equal(alice.UserID))
		Expect(bob.MustWhoami(ctx).UserID).To(Equal(bob.UserID))
		Expect(alice.UserID).NotTo(Equal(bob.UserID))
	})

	DescribeTable("[SMOKE-ROOM] creates a room, delivers an invite through /sync and lets the invitee join",
		func(ctx SpecContext, version string) {
			alice := suite.NewUser(ctx, "alice")
			if !supports(ctx, alice, version) {
				// client-server-api create_room.yaml: 400 M_UNSUPPORTED_ROOM_VERSION.
				res, err := alice.CreateRoom(ctx, csapi.RoomVersion(version))
				Expect(err).NotTo(HaveOccurred())
				Expect(res.StatusCode).To(Equal(http.StatusBadRequest),
					"room version %s is not in /capabilities, so createRoom must refuse it with 400; got:\n%s", version, res)
				Expect(res.Errcode()).To(Equal("M_UNSUPPORTED_ROOM_VERSION"), "errcode for an unsupported room version; got:\n%s", res)
				return
			}
			bob := suite.NewUser(ctx, "bob")
			room := alice.MustCreateRoom(ctx, csapi.RoomVersion(version), csapi.Preset("private_chat"), csapi.Name("smoke v"+version))
			create := alice.MustStateEvent(ctx, room, "m.room.create", "")
			Expect(create).To(HaveKeyWithValue("room_version", version), "the room's m.room.create content")

			alice.MustInvite(ctx, room, bob.UserID)
			bob.MustSyncUntil(ctx, csapi.InviteStateHas(room, "m.room.name", ""))

			bob.MustJoinRoomByID(ctx, room)
			alice.MustSyncUntil(ctx, csapi.MembershipIs(room, bob.UserID, "join"))
		},
		roomVersionEntries(),
	)
})

func roomVersionEntries() []TableEntry {
	var entries []TableEntry
	for _, v := range spec.KnownVersionIDs() {
		entries = append(entries, Entry(fmt.Sprintf("room version %s", v), Label("room-v"+v), v))
	}
	return entries
}

var (
	capsOnce sync.Once
	caps     csapi.RoomVersions
)

// supports says whether the server lists version as available in /capabilities.
func supports(ctx context.Context, user *csapi.Client, version string) bool {
	GinkgoHelper()
	capsOnce.Do(func() { caps = user.MustCapabilities(ctx).RoomVersions })
	_, ok := caps.Available[version]
	return ok
}

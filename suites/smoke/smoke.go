// Package smoke proves the pipeline end to end: a real homeserver in Docker, users, rooms in every room version, an invite seen in /sync, a join.
package smoke

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/matrix"
)

var _ = Describe("Smoke: the homeserver under test", Label("smoke"), func() {
	versionsRule := conformance.NewRule("SMOKE-VERSIONS", conformance.MUST, "smoke", "client-server-api §Getting the versions of the specification supported by the server",
		"answers GET /_matrix/client/versions with the spec versions it supports")
	conformance.It(versionsRule, func(ctx SpecContext) {
		v := bed.Client().MustVersions(ctx)
		Expect(v.Versions).NotTo(BeEmpty(), "the server lists no spec versions")
	})

	registerRule := conformance.NewRule("SMOKE-REGISTER", conformance.MUST, "smoke", "client-server-api §Account registration; whoami",
		"registers users whose access tokens identify them")
	conformance.It(registerRule, func(ctx SpecContext) {
		alice := bed.NewUser(ctx, "alice")
		bob := bed.NewUser(ctx, "bob")
		Expect(alice.MustWhoami(ctx).UserID).To(Equal(alice.UserID))
		Expect(bob.MustWhoami(ctx).UserID).To(Equal(bob.UserID))
		Expect(alice.UserID).NotTo(Equal(bob.UserID))
	})

	roomRule := conformance.NewRule("SMOKE-ROOM", conformance.MUST, "smoke", "client-server-api create_room.yaml, inviting.yaml, joining.yaml, sync.yaml",
		"creates a room in each version it supports (and refuses the others with 400 M_UNSUPPORTED_ROOM_VERSION), delivers an invite through /sync and lets the invitee join")
	conformance.ForEachRoomVersion(roomRule, func(ctx SpecContext, version matrix.RoomVersion) {
		alice := bed.NewUser(ctx, "alice")
		if !bed.OffersRoomVersion(ctx, version.ID) {
			res, err := alice.CreateRoom(ctx, csapi.RoomVersion(version.ID))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.StatusCode).To(Equal(http.StatusBadRequest),
				"room version %s is not in /capabilities, so createRoom must refuse it with 400; got:\n%s", version, res)
			Expect(res.Errcode()).To(Equal("M_UNSUPPORTED_ROOM_VERSION"), "errcode for an unsupported room version; got:\n%s", res)
			return
		}
		bob := bed.NewUser(ctx, "bob")
		room := alice.MustCreateRoom(ctx, csapi.RoomVersion(version.ID), csapi.Preset("private_chat"), csapi.Name("smoke v"+version.ID))
		create := alice.MustStateEvent(ctx, room, "m.room.create", "")
		Expect(create).To(HaveKeyWithValue("room_version", version.ID), "the room's m.room.create content")

		alice.MustInvite(ctx, room, bob.UserID)
		bob.MustSyncUntil(ctx, csapi.InviteStateHas(room, "m.room.name", ""))

		bob.MustJoinRoomByID(ctx, room)
		alice.MustSyncUntil(ctx, csapi.MembershipIs(room, bob.UserID, "join"))
	})
})

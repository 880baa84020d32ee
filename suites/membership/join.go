package membership

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/matrix"
)

// joinCase is a join by bob to a room alice creates, in rooms whose join
// rule (and so room versions) vary.
type joinCase struct {
	id, what, section string
	// versions the join rule exists in.
	versions []matrix.RoomVersion
	// everyDoor: the MEM-JOINROOM-{ID,ALIAS}-* rules of the case run in
	// every version of versions too, not only the oldest and newest (see
	// doorVersions).
	everyDoor bool
	// arrange creates the room as alice and readies bob.
	arrange arrangeJoin
}

// in arranges the case's room for fresh users alice and bob, in version
// (serverDefault, or an ID the spec skips unless the server offers it).
func (c joinCase) in(ctx SpecContext, version string) (alice, bob *csapi.Client, room string) {
	GinkgoHelper()
	alice, bob = bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
	return alice, bob, c.arrange(ctx, alice, bob, versionOf(ctx, alice, version))
}

// inNewest arranges the case's room for fresh users alice and bob, in the
// newest of its versions the server offers.
func (c joinCase) inNewest(ctx SpecContext) (alice, bob *csapi.Client, room string) {
	GinkgoHelper()
	alice, bob = bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
	return alice, bob, c.arrange(ctx, alice, bob, newestOffered(ctx, alice, c.versions))
}

// arrangeJoin creates a room of version v as alice, readies bob and
// returns the room.
type arrangeJoin func(ctx SpecContext, alice, bob *csapi.Client, v matrix.RoomVersion) string

// roomWith arranges a room with the join rule, then has alice act on bob.
func roomWith(rule string, then ...step) arrangeJoin {
	return func(ctx SpecContext, alice, bob *csapi.Client, v matrix.RoomVersion) string {
		room := newRoom(ctx, alice, v.ID, joinRule(rule))
		for _, act := range then {
			act(ctx, alice, bob, room)
		}
		return room
	}
}

// restrictedOutside arranges a room with the restricted join rule rule
// (restricted or knock_restricted) allowing the members of an invite-only
// room bob is not in, then has alice act on bob.
func restrictedOutside(rule string, then ...step) arrangeJoin {
	return func(ctx SpecContext, alice, bob *csapi.Client, v matrix.RoomVersion) string {
		allowed := newRoom(ctx, alice, v.ID, joinRule("invite"))
		room := newRoom(ctx, alice, v.ID, restrictedTo(rule, allowed))
		for _, act := range then {
			act(ctx, alice, bob, room)
		}
		return room
	}
}

// restrictedInside arranges a room with the restricted join rule rule
// allowing the members of a public room bob joins first.
func restrictedInside(rule string) arrangeJoin {
	return func(ctx SpecContext, alice, bob *csapi.Client, v matrix.RoomVersion) string {
		allowed := newRoom(ctx, alice, v.ID, joinRule("public"))
		bob.MustJoinRoomByID(ctx, allowed)
		return newRoom(ctx, alice, v.ID, restrictedTo(rule, allowed))
	}
}

// joinRefusals are joins without the right to join: bob must not be able
// to join the room.
var joinRefusals = []joinCase{
	{
		id: "INVITE-ONLY", what: "a join to an invite-only room by a user who was not invited",
		section:   joiningByID + " (403, example reason \"The room is invite-only and the user was not invited\"); " + authRules + ", membership join, join_rule invite",
		versions:  matrix.KnownVersions(),
		everyDoor: true,
		arrange:   roomWith("invite"),
	},
	{
		id: "KNOCK-RULE", what: "a join to a room with join rule knock by a user who was not invited",
		section:   joiningByID + " (403); client-server-api §Room membership (knock: \"can only be joined if you were invited\"); " + authRules + ", join_rule knock (v7+)",
		versions:  versionsFrom(7),
		everyDoor: true,
		arrange:   roomWith("knock"),
	},
	{
		id: "RESTRICTED-UNMET", what: "a join to a restricted room by a user who is in none of its allowed rooms",
		section:  joiningByID + " (403, example reason \"The room is restricted and the user failed to satisfy any of the conditions\"); client-server-api §Restricted rooms (\"the server MUST verify that the requesting user meets at least one of the conditions\"); v8+",
		versions: versionsFrom(8),
		arrange:  restrictedOutside("restricted"),
	},
	{
		id: "KNOCK-RESTRICTED-UNMET", what: "a join to a knock_restricted room by a user who is in none of its allowed rooms",
		section:  joiningByID + " (403); client-server-api §Room membership (knock_restricted: \"trying to join the room without an invite applies the restricted join rule\"); v10+",
		versions: versionsFrom(10),
		arrange:  restrictedOutside("knock_restricted"),
	},
	{
		id: "BANNED", what: "a join to a public room by a user banned from it",
		section: joiningByID + " (403, example reason \"The user has been banned from the room\"); " + authRules + ", membership join (sender banned)",
		// The ban rule reads the same in every version: the oldest and newest.
		versions: refusalVersions(),
		arrange:  roomWith("public", banBob),
	},
}

// joinsAllowed are joins the room's join rule allows.
var joinsAllowed = []joinCase{
	{
		id: "PUBLIC", what: "a join to a public room",
		section:  joiningByID + " (200, room_id); " + authRules + ", join_rule public",
		versions: matrix.KnownVersions(),
		arrange:  roomWith("public"),
	},
	{
		id: "INVITED", what: "a join to an invite-only room by an invited user",
		section:  joiningByID + " (200, room_id); " + authRules + ", join_rule invite (membership invite allows the join)",
		versions: matrix.KnownVersions(),
		arrange:  roomWith("invite", inviteBob),
	},
	{
		id: "RESTRICTED-MET", what: "a join to a restricted room by a member of one of its allowed rooms",
		section:  joiningByID + " (200, room_id); client-server-api §Restricted rooms (condition m.room_membership); " + authRules + ", join_rule restricted (v8+)",
		versions: versionsFrom(8),
		arrange:  restrictedInside("restricted"),
	},
	{
		id: "KNOCK-RESTRICTED-MET", what: "a join to a knock_restricted room by a member of one of its allowed rooms",
		section:  joiningByID + " (200, room_id); client-server-api §Room membership (knock_restricted joins as restricted); v10+",
		versions: versionsFrom(10),
		arrange:  restrictedInside("knock_restricted"),
	},
	// An invite lets its user in whatever the allow conditions and without
	// knocking: the invitee below is in none of the allowed rooms.
	{
		id: "RESTRICTED-INVITED", what: "a join to a restricted room by an invited user who is in none of its allowed rooms",
		section:  joiningByID + " (200, room_id); " + authRules + ", join_rule restricted (v8+: \"If membership state is join or invite, allow\"); client-server-api §Restricted rooms (\"They should be able to join by simply accepting the invite\")",
		versions: versionsFrom(8),
		arrange:  restrictedOutside("restricted", inviteBob),
	},
	{
		id: "KNOCK-RESTRICTED-INVITED", what: "a join to a knock_restricted room by an invited user who is in none of its allowed rooms",
		section:  joiningByID + " (200, room_id); " + authRules + ", join_rule knock_restricted (v10+: \"If membership state is join or invite, allow\")",
		versions: versionsFrom(10),
		arrange:  restrictedOutside("knock_restricted", inviteBob),
	},
	{
		id: "KNOCK-INVITED", what: "a join to a room with join rule knock by an invited user who did not knock",
		section:  joiningByID + " (200, room_id); " + authRules + ", join_rule knock (v7+: \"allow if membership state is invite or join\")",
		versions: versionsFrom(7),
		arrange:  roomWith("knock", inviteBob),
	},
}

// forVersions defines the rule for every version in versions, or once with
// the server's default room version when versions is nil.
func forVersions(r conformance.Rule, versions []matrix.RoomVersion, body func(ctx SpecContext, version string)) {
	if versions == nil {
		conformance.It(r, func(ctx SpecContext) { body(ctx, serverDefault) })
		return
	}
	conformance.ForEachRoomVersion(r, func(ctx SpecContext, v matrix.RoomVersion) { body(ctx, v.ID) }, versions...)
}

// newestOffered is the newest of versions the server offers (the zero
// RoomVersion, meaning the server's default, when versions is nil); it
// skips the spec when the server offers none of them.
func newestOffered(ctx SpecContext, user *csapi.Client, versions []matrix.RoomVersion) matrix.RoomVersion {
	GinkgoHelper()
	if versions == nil {
		return matrix.RoomVersion{}
	}
	for i := len(versions) - 1; i >= 0; i-- {
		if bed.OffersRoomVersion(ctx, versions[i].ID) {
			return versions[i]
		}
	}
	Skip("the homeserver offers none of the room versions this join rule exists in")
	return matrix.RoomVersion{}
}

// versionOf is the room version a spec runs in, checked against what the
// server offers (serverDefault needs no check).
func versionOf(ctx SpecContext, user *csapi.Client, version string) matrix.RoomVersion {
	GinkgoHelper()
	if version == serverDefault {
		return matrix.RoomVersion{}
	}
	v := matrix.MustRoomVersion(version)
	bed.RequireRoomVersion(ctx, v)
	return v
}

var _ = Describe("POST /rooms/{roomId}/join", func() {
	for _, c := range joinRefusals {
		refused := conformance.NewRule("MEM-JOINBYID-"+c.id, conformance.MUST, area, c.section,
			"refuses "+c.what+" with 403 and a standard error response, and changes nothing in the room state")
		forVersions(refused, c.versions, func(ctx SpecContext, version string) {
			alice, bob, room := c.in(ctx, version)
			before := snapshot(ctx, alice, room)

			res, err := bob.JoinRoomByID(ctx, room)
			expectError(res, err, http.StatusForbidden, c.what)
			expectUnchanged(ctx, alice, room, before, res)
		})

		errcode := conformance.NewRule("MEM-JOINBYID-"+c.id+"-ERRCODE", conformance.SHOULD, area,
			joiningByID+" (403; M_FORBIDDEN is the spec's example body); "+commonErrors+" (M_FORBIDDEN: \"joining a room without permission\")",
			"gives errcode M_FORBIDDEN when it refuses "+c.what)
		// The errcode does not depend on the room version: one spec, in the
		// newest version that has the join rule.
		conformance.It(errcode, func(ctx SpecContext) {
			_, bob, room := c.inNewest(ctx)
			res, err := bob.JoinRoomByID(ctx, room)
			expectStatus(res, err, http.StatusForbidden, c.what)
			expectErrcode(res, err, c.what, "M_FORBIDDEN")
		})
	}

	for _, c := range joinsAllowed {
		allowed := conformance.NewRule("MEM-JOINBYID-"+c.id, conformance.MUST, area, c.section,
			"lets "+c.what+" succeed: 200 with the room's ID in room_id, and the user's membership is join")
		forVersions(allowed, c.versions, func(ctx SpecContext, version string) {
			alice, bob, room := c.in(ctx, version)

			res, err := bob.JoinRoomByID(ctx, room)
			expectJoined(res, err, room, c.what)
			Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("join"), "the joiner's membership after the 200.%s", exchange(res))
		})
	}

	twiceRule := conformance.NewRule("MEM-JOINBYID-TWICE", conformance.MUST, area, joiningByID+" (200); "+authRules+", membership join (a joined user may join again)",
		"answers a second join by a user already joined to an invite-only room with 200 and room_id; the user stays joined and nothing but their member event may change")
	conformance.It(twiceRule, func(ctx SpecContext) {
		alice, bob, room := bobInvited(ctx)
		bob.MustJoinRoomByID(ctx, room)
		before := snapshot(ctx, alice, room)

		res, err := bob.JoinRoomByID(ctx, room)
		expectJoined(res, err, room, "joining a second time")
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("join"), "the joiner's membership after the second join.%s", exchange(res))
		expectUnchanged(ctx, alice, room, before, res, memberKey(bob.UserID))
	})

	credentialRules("MEM-JOINBYID", joiningByID, "a join to a public room", func(ctx SpecContext) (*csapi.Client, string, string, any) {
		alice := bed.NewUser(ctx, "alice")
		room := newRoom(ctx, alice, serverDefault, joinRule("public"))
		return alice, room, csapi.ClientPath("rooms", room, "join"), map[string]any{}
	})
})

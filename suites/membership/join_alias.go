package membership

import (
	"net/http"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/matrix"
	"herald/harness/testbed"
)

// sendJoins are the send_join requests the homeserver made to a mock.
func sendJoins(remote *federation.Server) []federation.Exchange {
	return append(remote.Journal.RequestsTo(federation.SendJoinV1), remote.Journal.RequestsTo(federation.SendJoinV2)...)
}

// expectJoinedThrough checks a join of bob through the mock that hosts the
// room: the answer is 200 naming the room (what names the request), the
// homeserver asked the mock in order for first, make_join and send_join
// (order says what that means), and the mock accepted bob's join event.
func expectJoinedThrough(s *testbed.RemoteScene, res *csapi.Response, err error, what, order string, first ...types.GomegaMatcher) {
	GinkgoHelper()
	expectJoined(res, err, s.Room.ID, what)
	requests := append(first, federation.RequestTo(federation.MakeJoin), Or(federation.RequestTo(federation.SendJoinV2), federation.RequestTo(federation.SendJoinV1)))
	Expect(s.Remote.Journal.Requests()).To(federation.ContainInOrder(requests...), "%s.%s", order, exchange(res))
	Expect(s.Room.Membership(s.Bob.UserID)).To(Equal("join"), "the resident server must have accepted the joiner's join event.%s", exchange(res))
}

// joinDoor is how a join through POST /join/{roomIdOrAlias} names the room.
type joinDoor struct {
	id, what string
	// name returns what the join names room by; alice created room.
	name func(ctx SpecContext, alice *csapi.Client, room string) string
}

var joinDoors = []joinDoor{
	{"ID", "by its room ID", func(_ SpecContext, _ *csapi.Client, room string) string { return room }},
	{"ALIAS", "by a local alias of it", func(ctx SpecContext, alice *csapi.Client, room string) string { return newAlias(ctx, alice, room) }},
}

// newAlias has creator map a fresh local alias to room (PUT
// /directory/room/{roomAlias}) and returns the alias.
func newAlias(ctx SpecContext, creator *csapi.Client, room string) string {
	GinkgoHelper()
	alias := "#" + unique("herald-door") + ":" + bed.Homeserver().ServerName
	res, err := creator.Do(ctx, http.MethodPut, csapi.ClientPath("directory", "room", alias), csapi.JSONBody(map[string]any{"room_id": room}))
	Expect(err).NotTo(HaveOccurred(), "creating the alias %s", alias)
	Expect(res.StatusCode).To(Equal(http.StatusOK), "%s creating the alias %s for %s:\n%s", creator.UserID, alias, room, res.Dump())
	return alias
}

// ends is the oldest and newest of versions (nil stays nil: the server's
// default): a door does not change the auth rules, which
// MEM-JOINBYID-* check in every version.
func ends(versions []matrix.RoomVersion) []matrix.RoomVersion {
	if len(versions) < 2 {
		return versions
	}
	return []matrix.RoomVersion{versions[0], versions[len(versions)-1]}
}

// doorVersions are the room versions the case's refusal runs in through
// POST /join/{roomIdOrAlias}: every version its join rule exists in for a
// case marked everyDoor (join rules invite and knock, which admit only the
// invited: joining.yaml's 403 "The room is invite-only and the user was not
// invited", for this endpoint too), else the ends of them.
func (c joinCase) doorVersions() []matrix.RoomVersion {
	if c.everyDoor {
		return c.versions
	}
	return ends(c.versions)
}

var _ = Describe("POST /join/{roomIdOrAlias}", func() {
	// Every refusal of POST /rooms/{roomId}/join, through this endpoint
	// too, naming the room by ID and by alias: joining.yaml lists the same
	// 403 reasons for both.
	for _, c := range joinRefusals {
		for _, door := range joinDoors {
			refused := conformance.NewRule("MEM-JOINROOM-"+door.id+"-"+c.id, conformance.MUST, area, strings.Replace(c.section, joiningByID, joiningAny, 1),
				"refuses "+c.what+", naming the room "+door.what+", with 403 and a standard error response, and changes nothing in the room state")
			forVersions(refused, c.doorVersions(), func(ctx SpecContext, version string) {
				alice, bob, room := c.in(ctx, version)
				target := door.name(ctx, alice, room)
				before := snapshot(ctx, alice, room)

				res, err := bob.Join(ctx, target)
				expectError(res, err, http.StatusForbidden, c.what+" (joining "+target+")")
				expectUnchanged(ctx, alice, room, before, res)
			})
		}

		errcode := conformance.NewRule("MEM-JOINROOM-"+c.id+"-ERRCODE", conformance.SHOULD, area,
			joiningAny+" (403; M_FORBIDDEN is the spec's example body); "+commonErrors+" (M_FORBIDDEN: \"joining a room without permission\")",
			"gives errcode M_FORBIDDEN when it refuses "+c.what+", naming the room by ID or by alias")
		conformance.It(errcode, func(ctx SpecContext) {
			alice, bob, room := c.inNewest(ctx)
			for _, door := range joinDoors {
				target := door.name(ctx, alice, room)
				res, err := bob.Join(ctx, target)
				expectStatus(res, err, http.StatusForbidden, c.what+" (joining "+target+")")
				expectErrcode(res, err, c.what+" (joining "+target+")", "M_FORBIDDEN")
			}
		})
	}

	aliasRule := conformance.NewRule("MEM-JOINROOM-LOCAL-ALIAS", conformance.MUST, area, joiningAny+" (200, room_id)",
		"joins a public room by a local alias of it: 200 with the room's ID in room_id, and the user's membership is join")
	conformance.It(aliasRule, func(ctx SpecContext) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		localpart := unique("herald-lobby")
		room := newRoom(ctx, alice, serverDefault, joinRule("public"), csapi.RoomAliasName(localpart))
		alias := "#" + localpart + ":" + bed.Homeserver().ServerName

		res, err := bob.Join(ctx, alias)
		expectJoined(res, err, room, "joining "+alias)
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("join"), "the joiner's membership after the 200.%s", exchange(res))
	})

	idRule := conformance.NewRule("MEM-JOINROOM-ROOM-ID", conformance.MUST, area, joiningAny+" (200, room_id)",
		"joins a public local room by its room ID: 200 with the room's ID in room_id, and the user's membership is join")
	conformance.It(idRule, func(ctx SpecContext) {
		alice, bob := bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
		room := newRoom(ctx, alice, serverDefault, joinRule("public"))

		res, err := bob.Join(ctx, room)
		expectJoined(res, err, room, "joining "+room)
		Expect(alice.MustMembership(ctx, room, bob.UserID)).To(Equal("join"), "the joiner's membership after the 200.%s", exchange(res))
	})

	unknownRule := conformance.NewRule("MEM-JOINROOM-UNKNOWN-ALIAS", conformance.SHOULD, area,
		joiningAny+" lists no status for an alias that maps to no room; "+commonErrors+" (M_NOT_FOUND: \"No resource was found for this request\"); the alias lookup it implies (directory GET /directory/room/{roomAlias}) answers 404 M_NOT_FOUND",
		"refuses a join by a local alias that names no room with 404 M_NOT_FOUND")
	conformance.It(unknownRule, func(ctx SpecContext) {
		bob := bed.NewUser(ctx, "bob")
		alias := "#" + unique("herald-nowhere") + ":" + bed.Homeserver().ServerName

		res, err := bob.Join(ctx, alias)
		expectError(res, err, http.StatusNotFound, "joining the unknown alias "+alias)
		expectErrcode(res, err, "joining the unknown alias "+alias, "M_NOT_FOUND")
	})

	remoteRule := conformance.NewRule("MEM-JOINROOM-REMOTE-ID", conformance.MUST, area,
		joiningAny+" (via: \"The servers to attempt to join the room through\"; 200, room_id); server-server-api §Joining Rooms (make_join, send_join)",
		"joins a room hosted only on another server by room ID through the server named in via, with make_join and send_join, and answers 200 with the room's ID")
	conformance.ForEachRoomVersion(remoteRule, func(ctx SpecContext, v matrix.RoomVersion) {
		bob := bed.NewUser(ctx, "bob")
		bed.RequireRoomVersion(ctx, v)
		s := bed.NewRemoteScene(ctx, bob, v, nil)

		res, err := bob.Join(ctx, s.Room.ID, csapi.Via(s.Remote.Name()))
		expectJoinedThrough(s, res, err, "joining "+s.Room.ID+" via "+s.Remote.Name(),
			"the homeserver must join through the resident server with make_join then send_join")
	})

	remoteAliasRule := conformance.NewRule("MEM-JOINROOM-REMOTE-ALIAS", conformance.MUST, area,
		joiningAny+" (200, room_id); client-server-api §Room aliases (homeservers MUST resolve aliases on other servers, using the federation API if necessary); server-server-api §Joining Rooms (directory query, make_join, send_join)",
		"joins a room by an alias of another server: resolves it with that server's directory, joins with make_join and send_join, and answers 200 with the room's ID")
	conformance.It(remoteAliasRule, func(ctx SpecContext) {
		bob := bed.NewUser(ctx, "bob")
		s := bed.NewRemoteScene(ctx, bob, bed.DefaultRoomVersion(ctx), nil)
		alias := "#" + unique("herald-lobby") + ":" + s.Remote.Name()
		s.Remote.Answer(federation.QueryDirectory, func(r *federation.Request) *federation.Reply {
			if r.HTTP.URL.Query().Get("room_alias") != alias {
				return federation.Status(http.StatusNotFound, "M_NOT_FOUND")(r)
			}
			return federation.JSON(http.StatusOK, map[string]any{"room_id": s.Room.ID, "servers": []string{s.Remote.Name()}})(r)
		})

		res, err := bob.Join(ctx, alias)
		expectJoinedThrough(s, res, err, "joining "+alias,
			"the homeserver must resolve the alias with the alias's server, then join with make_join and send_join", federation.RequestTo(federation.QueryDirectory))
	})

	refusedRule := conformance.NewRule("MEM-JOINROOM-REMOTE-REFUSED", conformance.MUST, area,
		joiningAny+" (403: \"You do not have permission to join the room\"); server-server-api joins-v1.yaml make_join 403 (\"does not permit the user to join\")",
		"answers 403 with a standard error response, and does not join, when the only resident server refuses make_join with 403 M_FORBIDDEN")
	conformance.It(refusedRule, func(ctx SpecContext) {
		bob := bed.NewUser(ctx, "bob")
		refusing := []federation.Option{federation.Answer(federation.MakeJoin, federation.Status(http.StatusForbidden, "M_FORBIDDEN"))}
		s := bed.NewRemoteScene(ctx, bob, bed.DefaultRoomVersion(ctx), refusing)
		remote, room := s.Remote, s.Room

		res, err := bob.Join(ctx, room.ID, csapi.Via(remote.Name()))
		Expect(err).NotTo(HaveOccurred())
		Expect(remote.Journal.RequestsTo(federation.MakeJoin)).NotTo(BeEmpty(),
			"the homeserver never asked the mock for make_join, so the scenario did not happen; it answered:\n%s", res.Dump())
		expectError(res, err, http.StatusForbidden, "joining "+room.ID+" via a server that refuses make_join")
		Expect(sendJoins(remote)).To(BeEmpty(), "the homeserver sent send_join after make_join was refused.%s", exchange(res))
		Expect(slices.Contains(bob.MustJoinedRooms(ctx), room.ID)).To(BeFalse(), "the joiner's /joined_rooms lists the room.%s", exchange(res))
	})

	credentialRules("MEM-JOINROOM", joiningAny, "a join to a public room", func(ctx SpecContext) (*csapi.Client, string, string, any) {
		alice := bed.NewUser(ctx, "alice")
		room := newRoom(ctx, alice, serverDefault, joinRule("public"))
		return alice, room, csapi.ClientPath("join", room), map[string]any{}
	})
})

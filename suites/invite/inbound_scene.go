package invite

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// Where the spec states the inbound rules.
const (
	secInviteV2 = "server-server-api.md §Inviting to a room (invites-v2.yaml)"
	secInviteV1 = "server-server-api.md §Inviting to a room (invites-v1.yaml)"
	// No RFC 2119 word here, but remote invites "need another approach to
	// reject the invite" and this handshake is the only one the federation
	// API gives; a rejection kept local leaves the inviting server holding
	// the invite, while the client-server leave "serves to reject the
	// invite" (MUST). So the handshake is a MUST, like joining's.
	secReject      = `server-server-api.md §Leaving Rooms (Rejecting Invites) (remote invites "need another approach to reject the invite": make_leave to a resident server, "which may be the server which sent the invite", then send_leave, the only way the federation API gives); client-server leaving.yaml POST /rooms/{roomId}/leave ("this call serves to reject the invite")`
	secJoin        = "server-server-api.md §Joining Rooms, §Inviting to a room"
	secSync        = "client-server-api GET /sync rooms.invite; invites-v2.yaml invite_room_state (\"Translated as stripped state events\")"
	secRequestAuth = "server-server-api.md §Request Authentication"
	// secStrippedKeys is the upstream client-server-api/_index.md (not in
	// the project's spec copy) at the same commit.
	secStrippedKeys = `client-server-api §Stripped state ("Stripped state events can only have the sender, type, state_key and content properties present"; v1.16: "Servers cannot pass through what they receive over federation to clients as stripped state. Servers are expected to prune the events into the stripped state schema"); sync.yaml invite_state.events (StrippedStateEvent)`
)

// v1Versions are the room versions the v1 invite API serves.
var v1Versions = federation.InviteV1Versions()

// Areas of the inbound rules.
const (
	areaInviteV2 = "invite-v2"
	areaInviteV1 = "invite-v1"
	areaErrors   = "errors"
)

// inboundScene is the start of every inbound spec: bob, a fresh local
// user; a fresh mock whose user alice created a room of version rv (the
// scene of testbed.NewRemoteScene, and its room version).
type inboundScene struct {
	rv     matrix.RoomVersion
	bob    *csapi.Client
	remote *federation.Server
	alice  string
	room   *federation.Room
}

// newInboundScene sets the scene; roomOpts configure the mock's room (by
// default public, named, in version rv).
func newInboundScene(ctx context.Context, rv matrix.RoomVersion, remoteOpts []federation.Option, roomOpts ...federation.RoomOption) *inboundScene {
	GinkgoHelper()
	return sceneFor(ctx, bed.NewUser(ctx, "bob"), rv, remoteOpts, roomOpts...)
}

// newEverydayScene is newInboundScene in the homeserver's default room
// version, for rules that do not depend on it.
func newEverydayScene(ctx context.Context, remoteOpts []federation.Option, roomOpts ...federation.RoomOption) *inboundScene {
	GinkgoHelper()
	bob := bed.NewUser(ctx, "bob")
	return sceneFor(ctx, bob, bed.DefaultRoomVersion(ctx), remoteOpts, roomOpts...)
}

// sceneFor sets the scene for bob (testbed.RemoteScene), the mock's room
// named for the inbound invite in version rv unless roomOpts name it.
func sceneFor(ctx context.Context, bob *csapi.Client, rv matrix.RoomVersion, remoteOpts []federation.Option, roomOpts ...federation.RoomOption) *inboundScene {
	GinkgoHelper()
	named := append([]federation.RoomOption{federation.RoomName("Herald inbound invite v" + rv.ID)}, roomOpts...)
	s := bed.NewRemoteScene(ctx, bob, rv, remoteOpts, named...)
	return &inboundScene{rv: rv, bob: s.Bob, remote: s.Remote, alice: s.Alice, room: s.Room}
}

// invite is alice's invite of bob, built fresh.
func (s *inboundScene) invite() *federation.Event { return s.room.InviteEvent(s.alice, s.bob.UserID) }

// sendV2 sends invite to the homeserver over the v2 API, with the room's
// invite_room_state; the mock applies it to its room when it comes back
// countersigned.
func (s *inboundScene) sendV2(ctx context.Context, invite *federation.Event, opts ...federation.RequestOption) *federation.Response {
	GinkgoHelper()
	res, err := s.remote.SendInviteV2(ctx, invite, opts...)
	Expect(err).NotTo(HaveOccurred(), "sending the v2 invite")
	return res
}

// sendV1 is sendV2 over the v1 API (state in unsigned.invite_room_state).
func (s *inboundScene) sendV1(ctx context.Context, invite *federation.Event, opts ...federation.RequestOption) *federation.Response {
	GinkgoHelper()
	res, err := s.remote.SendInviteV1(ctx, invite, opts...)
	Expect(err).NotTo(HaveOccurred(), "sending the v1 invite")
	return res
}

// mustInvite sends a valid v2 invite of bob and expects 200.
func (s *inboundScene) mustInvite(ctx context.Context) (*federation.Event, *federation.Response) {
	GinkgoHelper()
	invite := s.invite()
	res := s.sendV2(ctx, invite)
	Expect(res).To(match.HaveStatus(http.StatusOK), "a valid v2 invite of %s to a v%s room", s.bob.UserID, s.rv.ID)
	return invite, res
}

// validInvite starts the checks of a valid invite: a scene in room version
// rv, which the server must offer, its room configured by roomOpts; alice's
// invite of bob, sent over the v1 or the v2 API; its answer, 200.
func validInvite(ctx context.Context, rv matrix.RoomVersion, v1 bool, roomOpts ...federation.RoomOption) (*inboundScene, *federation.Event, *federation.Response) {
	GinkgoHelper()
	s := newInboundScene(ctx, rv, nil, roomOpts...)
	bed.RequireRoomVersion(ctx, rv)
	invite := s.invite()
	res := s.send(ctx, invite, v1)
	Expect(res).To(match.HaveStatus(http.StatusOK))
	return s, invite, res
}

// invitedToPrivateRoom is the start of accepting and rejecting: bob's
// valid invite to an invite-only room, delivered (he sees it in /sync).
func invitedToPrivateRoom(ctx context.Context, rv matrix.RoomVersion, v1 bool) *inboundScene {
	GinkgoHelper()
	s, _, _ := validInvite(ctx, rv, v1, federation.JoinRule("invite"))
	s.bob.MustSyncUntil(ctx, csapi.InvitedTo(s.room.ID))
	return s
}

// homeserverKeys fetches the homeserver's published keys through the mock.
func (s *inboundScene) homeserverKeys(ctx context.Context) *matrix.ServerKeys {
	GinkgoHelper()
	keys, res, err := s.remote.FetchKeys(ctx)
	Expect(err).NotTo(HaveOccurred(), "fetching the homeserver's keys from /_matrix/key/v2/server:\n%v", res)
	return keys
}

// mockKeys are the keys the mock publishes.
func mockKeys(remote *federation.Server) *matrix.ServerKeys {
	GinkgoHelper()
	keys, err := remote.PublishedKeys()
	Expect(err).NotTo(HaveOccurred(), "the mock's published keys")
	return keys
}

// sentEvent is the invite exactly as the request carried it: the body's
// "event" (v2) or the whole body (v1).
func sentEvent(res *federation.Response, v1 bool) matrix.Object {
	GinkgoHelper()
	body, err := matrix.ParseObject(res.Sent.Body)
	Expect(err).NotTo(HaveOccurred(), "the mock's own request body")
	if v1 {
		return body
	}
	ev, ok := body.GetObject("event")
	Expect(ok).To(BeTrue(), "the mock's v2 request has an event")
	return ev
}

// sentState is the invite_room_state the request carried.
func sentState(res *federation.Response, v1 bool) []matrix.Object {
	GinkgoHelper()
	holder, err := matrix.ParseObject(res.Sent.Body)
	Expect(err).NotTo(HaveOccurred(), "the mock's own request body")
	if v1 {
		holder, _ = holder.GetObject("unsigned")
	}
	list, ok := holder.GetArray("invite_room_state")
	Expect(ok).To(BeTrue(), "the mock's request has invite_room_state")
	var out []matrix.Object
	for _, item := range list {
		m, ok := item.(map[string]any)
		Expect(ok).To(BeTrue())
		out = append(out, matrix.Object(m))
	}
	return out
}

// returnedEvent is the invite the homeserver returned, from an answer of
// either shape.
func returnedEvent(res *federation.Response) matrix.Object {
	GinkgoHelper()
	ev, err := res.Event()
	Expect(err).NotTo(HaveOccurred(), "the invite answer must carry the event:\n%v", res)
	return ev
}

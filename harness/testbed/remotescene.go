package testbed

import (
	"context"

	"github.com/onsi/ginkgo/v2"

	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/matrix"
)

// RemoteScene is how a spec starts when a remote server invites a local
// user or hosts a room one joins: a fresh mock remote homeserver, a room
// there that the mock's user alice created, and bob, the local user, who
// is not in it yet.
type RemoteScene struct {
	Bob    *csapi.Client
	Remote *federation.Server
	Alice  string
	Room   *federation.Room
}

// NewRemoteScene sets the scene for bob: it starts a mock (NewRemote,
// scripted by remoteOpts) whose user alice creates a room of version rv,
// configured by roomOpts. It asks nothing of the homeserver: a spec that
// must skip unless the homeserver offers rv asks (RequireRoomVersion)
// first.
func (b *Bed) NewRemoteScene(ctx context.Context, bob *csapi.Client, rv matrix.RoomVersion, remoteOpts []federation.Option, roomOpts ...federation.RoomOption) *RemoteScene {
	ginkgo.GinkgoHelper()
	remote := b.NewRemote(ctx, remoteOpts...)
	alice := remote.User("alice")
	return &RemoteScene{Bob: bob, Remote: remote, Alice: alice, Room: remote.CreateRoom(rv, alice, roomOpts...)}
}

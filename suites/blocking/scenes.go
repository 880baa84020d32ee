package blocking

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/matrix"
	"herald/harness/testbed"
)

// newRoom is a private_chat room of the server's default version created by
// creator.
func newRoom(ctx context.Context, creator *csapi.Client, opts ...csapi.RoomOption) string {
	GinkgoHelper()
	base := []csapi.RoomOption{csapi.Name("Herald invite blocking room"), csapi.Preset(csapi.PresetPrivateChat)}
	return creator.MustCreateRoom(ctx, append(base, opts...)...)
}

// remoteScene is a fresh local user bob and a fresh mock whose user alice
// created a room of version rv, ready to invite bob (see
// testbed.RemoteScene).
type remoteScene struct{ *testbed.RemoteScene }

func newRemoteScene(ctx context.Context, rv matrix.RoomVersion) *remoteScene {
	GinkgoHelper()
	return &remoteScene{bed.NewRemoteScene(ctx, bed.NewUser(ctx, "bob"), rv, nil, federation.RoomName("Herald invite blocking v"+rv.ID))}
}

// sendV2 sends alice's invite of bob over the v2 API.
func (s *remoteScene) sendV2(ctx context.Context) *federation.Response {
	GinkgoHelper()
	res, err := s.Remote.SendInviteV2(ctx, s.Room.InviteEvent(s.Alice, s.Bob.UserID))
	Expect(err).NotTo(HaveOccurred(), "sending the v2 invite of %s", s.Bob.UserID)
	return res
}

// sendV1 sends alice's invite of bob over the v1 API.
func (s *remoteScene) sendV1(ctx context.Context) *federation.Response {
	GinkgoHelper()
	res, err := s.Remote.SendInviteV1(ctx, s.Room.InviteEvent(s.Alice, s.Bob.UserID))
	Expect(err).NotTo(HaveOccurred(), "sending the v1 invite of %s", s.Bob.UserID)
	return res
}

// initialSync is one /sync without a since token: every invite the server
// holds for the user and would serve.
func initialSync(ctx context.Context, user *csapi.Client) *csapi.SyncResponse {
	GinkgoHelper()
	return user.MustSync(ctx, csapi.SyncRequest{})
}

// syncShown renders a sync answer for failure messages.
func syncShown(sr *csapi.SyncResponse) string {
	return fmt.Sprintf("initial /sync of the invitee: %s", sr.Summary())
}

package blocking

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/matrix"
	"herald/harness/testbed"
)

// area is the conformance area and label of every rule here.
const area = "invite-blocking"

// configType is the account data event type of the module.
const configType = "m.invite_permission_config"

// Where the spec states the rules, as rule sections cite them.
const (
	module  = "client-server-api §Invite permission (modules/invite_permission.md, v1.18)"
	server  = module + ", Server behaviour"
	schema  = "m.invite_permission_config default_action (\"A missing, invalid or unsupported value means that the user wants to receive invites as normal\")"
	mustFed = server + " (\"MUST respond … with an HTTP 403 status code, with the Matrix error code M_INVITE_BLOCKED\")"
)

// block sets user's m.invite_permission_config to default_action block.
func block(ctx context.Context, user *csapi.Client) {
	GinkgoHelper()
	user.MustSetAccountData(ctx, configType, map[string]any{"default_action": "block"})
}

// unblock sets user's m.invite_permission_config without default_action,
// as the module's Client behaviour says to stop blocking.
func unblock(ctx context.Context, user *csapi.Client) {
	GinkgoHelper()
	user.MustSetAccountData(ctx, configType, map[string]any{})
}

// newRoom is a private_chat room of the server's default version created by
// creator.
func newRoom(ctx context.Context, creator *csapi.Client, opts ...csapi.RoomOption) string {
	GinkgoHelper()
	base := []csapi.RoomOption{csapi.Name("Herald invite blocking room"), csapi.Preset(csapi.PresetPrivateChat)}
	return creator.MustCreateRoom(ctx, append(base, opts...)...)
}

// expectNone fails unless problems is empty; the message names what was
// judged, each problem and the exchange.
func expectNone(problems []string, what, exchange string) {
	GinkgoHelper()
	Expect(problems).To(BeEmpty(), "%s:\n  %s\nThe exchange:\n%s",
		what, strings.Join(problems, "\n  "), exchange)
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

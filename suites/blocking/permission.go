package blocking

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"herald/harness/csapi"
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

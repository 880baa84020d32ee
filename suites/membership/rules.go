// Package membership checks the client-server membership endpoints — invite, join by ID or alias, leave and reject — against the spec, locally and with a mock remote server.
package membership

import (
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/matrix"
)

// area is the conformance area and label of every rule here.
const area = "membership"

// Where the spec states the rules, as rule sections cite them.
const (
	inviting     = "client-server inviting.yaml POST /rooms/{roomId}/invite"
	joiningByID  = "client-server joining.yaml POST /rooms/{roomId}/join"
	joiningAny   = "client-server joining.yaml POST /join/{roomIdOrAlias}"
	leaving      = "client-server leaving.yaml POST /rooms/{roomId}/leave"
	authRules    = "rooms/ auth rules for m.room.member"
	tokens       = "client-server-api §Using access tokens (401 M_MISSING_TOKEN / M_UNKNOWN_TOKEN)"
	errorShape   = "client-server-api §Standard error response (errcode and error MUST be present)"
	commonErrors = "client-server-api §Common error codes"
)

// versionsFrom lists the room versions from the given one on: rules about
// join rules that older versions do not have.
func versionsFrom(first int) []matrix.RoomVersion {
	var out []matrix.RoomVersion
	for i, v := range matrix.KnownVersions() {
		if i+1 >= first {
			out = append(out, v)
		}
	}
	return out
}

// versionsOf lists the room versions with these IDs.
func versionsOf(ids ...string) []matrix.RoomVersion {
	out := make([]matrix.RoomVersion, len(ids))
	for i, id := range ids {
		out[i] = matrix.MustRoomVersion(id)
	}
	return out
}

// refusalVersions are the room versions an auth-rule refusal runs in when
// its rule reads the same in every version (the invite rules of
// membership invite: sender joined, target neither joined nor banned):
// the oldest and the newest.
func refusalVersions() []matrix.RoomVersion { return versionsOf("1", "12") }

// powerVersions are the room versions where how a sender's power level is
// reckoned changes, for refusals that turn on it: v1; v10, where power
// levels must be integers; v11, where the creator is the create event's
// sender; v12, where creators (sender and additional_creators) have
// infinite power and appear in no m.room.power_levels.
func powerVersions() []matrix.RoomVersion { return versionsOf("1", "10", "11", "12") }

// credentialRules registers, for one endpoint, the two rules about
// requests without valid credentials: no access token (401
// M_MISSING_TOKEN) and a token the server never issued (401
// M_UNKNOWN_TOKEN). Both status and errcode are fixed by the spec's text.
// arrange returns a member who reads the room state, the room, the
// request's path and its body, which would succeed with valid credentials.
func credentialRules(prefix, section, what string, arrange func(ctx SpecContext) (observer *csapi.Client, room, path string, body any)) {
	cases := []struct {
		id, how, errcode string
		as               func(c *csapi.Client) (*csapi.Client, []csapi.RequestOption)
	}{
		{"NO-TOKEN", "without an access token", "M_MISSING_TOKEN", func(c *csapi.Client) (*csapi.Client, []csapi.RequestOption) {
			return c, []csapi.RequestOption{csapi.WithoutAuth()}
		}},
		{"BAD-TOKEN", "with an access token it never issued", "M_UNKNOWN_TOKEN", func(c *csapi.Client) (*csapi.Client, []csapi.RequestOption) {
			return c.WithToken(unique("herald-never-issued")), nil
		}},
	}
	for _, c := range cases {
		r := conformance.NewRule(prefix+"-"+c.id, conformance.MUST, area, section+"; "+tokens,
			fmt.Sprintf("refuses %s sent %s with 401 %s, and changes nothing in the room state", what, c.how, c.errcode))
		conformance.It(r, func(ctx SpecContext) {
			observer, room, path, body := arrange(ctx)
			before := snapshot(ctx, observer, room)
			client, opts := c.as(observer)
			res, err := client.Do(ctx, http.MethodPost, path, append(opts, csapi.JSONBody(body))...)
			expectError(res, err, http.StatusUnauthorized, what+" "+c.how)
			expectErrcode(res, err, what+" "+c.how, c.errcode)
			expectUnchanged(ctx, observer, room, before, res)
		})
	}
}

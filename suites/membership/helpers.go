// Package membership checks the client-server membership endpoints — invite, join by ID or alias, leave and reject — against the spec, locally and with a mock remote server.
package membership

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

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

// unique returns prefix with a random suffix, for aliases and fake IDs.
func unique(prefix string) string {
	b := make([]byte, 5)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// Join rules, as m.room.join_rules content.
func joinRule(rule string) map[string]any { return map[string]any{"join_rule": rule} }

// restrictedTo is a restricted join rule allowing members of room.
func restrictedTo(rule, room string) map[string]any {
	return map[string]any{"join_rule": rule, "allow": []any{
		map[string]any{"type": "m.room_membership", "room_id": room},
	}}
}

// serverDefault asks newRoom for the server's default room version, for
// rules that do not depend on it.
const serverDefault = ""

// newRoom creates a room of the given version (serverDefault: none asked
// for) with the given join rule content — public and invite use the
// matching preset, anything else is set in the initial state of a
// private_chat room — and returns its ID.
func newRoom(ctx context.Context, creator *csapi.Client, version string, rules map[string]any, opts ...csapi.RoomOption) string {
	GinkgoHelper()
	base := []csapi.RoomOption{csapi.Name("Herald membership room")}
	if version != serverDefault {
		base = append(base, csapi.RoomVersion(version))
	}
	switch rules["join_rule"] {
	case "public":
		base = append(base, csapi.Preset(csapi.PresetPublicChat))
	case "invite":
		base = append(base, csapi.Preset(csapi.PresetPrivateChat))
	default:
		base = append(base, csapi.Preset(csapi.PresetPrivateChat), csapi.InitialState("m.room.join_rules", "", rules))
	}
	return creator.MustCreateRoom(ctx, append(base, opts...)...)
}

// step is something alice or bob does in the room before the request a
// spec is about.
type step func(ctx SpecContext, alice, bob *csapi.Client, room string)

// banBob is the step where alice bans bob.
func banBob(ctx SpecContext, alice, bob *csapi.Client, room string) {
	alice.MustBan(ctx, room, bob.UserID)
}

// inviteBob is the step where alice invites bob.
func inviteBob(ctx SpecContext, alice, bob *csapi.Client, room string) {
	alice.MustInvite(ctx, room, bob.UserID)
}

// bobJoins is the step where bob joins.
func bobJoins(ctx SpecContext, _, bob *csapi.Client, room string) {
	bob.MustJoinRoomByID(ctx, room)
}

// bobInvited is the scene of the specs that start from an invite: alice, a
// fresh user, created an invite-only room of the server's default version
// and invited bob, another.
func bobInvited(ctx SpecContext) (alice, bob *csapi.Client, room string) {
	GinkgoHelper()
	alice, bob = bed.NewUser(ctx, "alice"), bed.NewUser(ctx, "bob")
	room = newRoom(ctx, alice, serverDefault, joinRule("invite"))
	alice.MustInvite(ctx, room, bob.UserID)
	return alice, bob, room
}

// exchange is the closing part of every failure message: the exchange
// that departs from the rule (conformance adds what the rule requires).
func exchange(res *csapi.Response) string {
	return "\nThe exchange:\n" + res.Dump()
}

// expectStatus fails unless res has the given status.
func expectStatus(res *csapi.Response, err error, status int, what string) {
	GinkgoHelper()
	Expect(err).NotTo(HaveOccurred(), "%s: no answer", what)
	Expect(res.StatusCode).To(Equal(status), "%s was answered %d, not %d.%s", what, res.StatusCode, status, exchange(res))
}

// expectError fails unless res has the given status and is a standard
// error response: a JSON object with string errcode and error.
func expectError(res *csapi.Response, err error, status int, what string) {
	GinkgoHelper()
	expectStatus(res, err, status, what)
	body, jerr := res.JSON()
	Expect(jerr).NotTo(HaveOccurred(), "%s: the %d answer is not a JSON object (%s requires a standard error response).%s", what, status, errorShape, exchange(res))
	for _, key := range []string{"errcode", "error"} {
		s, ok := body[key].(string)
		Expect(ok && s != "").To(BeTrue(), "%s: the %d answer has no string %q (%s).%s", what, status, key, errorShape, exchange(res))
	}
}

// expectErrcode fails unless res carries one of the errcodes.
func expectErrcode(res *csapi.Response, err error, what string, errcodes ...string) {
	GinkgoHelper()
	Expect(err).NotTo(HaveOccurred(), "%s: no answer", what)
	Expect(res.Errcode()).To(BeElementOf(errcodes), "%s: errcode %q, want %s.%s", what, res.Errcode(), strings.Join(errcodes, " or "), exchange(res))
}

// expectOK fails unless res is 200 with a JSON object body, and returns it.
func expectOK(res *csapi.Response, err error, what string) map[string]any {
	GinkgoHelper()
	expectStatus(res, err, http.StatusOK, what)
	body, jerr := res.JSON()
	Expect(jerr).NotTo(HaveOccurred(), "%s: the 200 answer is not a JSON object.%s", what, exchange(res))
	return body
}

// expectJoined fails unless res is 200 with room_id naming room.
func expectJoined(res *csapi.Response, err error, room, what string) {
	GinkgoHelper()
	body := expectOK(res, err, what)
	Expect(body["room_id"]).To(Equal(room), "%s: the 200 answer must name the joined room in room_id (%s).%s", what, room, exchange(res))
}

// roomState is a room's current state: each event by "type(state_key)".
type roomState map[string]csapi.Event

// snapshot reads the current state of room as observer (a member) sees it.
func snapshot(ctx context.Context, observer *csapi.Client, room string) roomState {
	GinkgoHelper()
	st := roomState{}
	for _, ev := range observer.MustState(ctx, room) {
		st[fmt.Sprintf("%s(%s)", ev.Type(), ev.StateKey())] = ev
	}
	return st
}

// diff lists what changed from before to after, one line each, ignoring
// the keys in except.
func (before roomState) diff(after roomState, except ...string) []string {
	var out []string
	for key, ev := range after {
		if slices.Contains(except, key) {
			continue
		}
		old, ok := before[key]
		switch {
		case !ok:
			out = append(out, "added   "+key+" "+ev.String())
		case old.ID() != ev.ID():
			out = append(out, "changed "+key+" "+old.ID()+" → "+ev.String())
		}
	}
	for key, ev := range before {
		if _, ok := after[key]; !ok && !slices.Contains(except, key) {
			out = append(out, "removed "+key+" "+ev.ID())
		}
	}
	sort.Strings(out)
	return out
}

// expectUnchanged fails if the state of room differs from before (except
// for the keys in except), showing what changed.
func expectUnchanged(ctx context.Context, observer *csapi.Client, room string, before roomState, res *csapi.Response, except ...string) {
	GinkgoHelper()
	changes := before.diff(snapshot(ctx, observer, room), except...)
	Expect(changes).To(BeEmpty(), "the room state changed after the refused request:\n  %s%s",
		strings.Join(changes, "\n  "), exchange(res))
}

// memberKey is the roomState key of user's member event.
func memberKey(user string) string { return "m.room.member(" + user + ")" }

// inviteStateContent returns the content of the stripped state event of
// that type in the invite to room, if the sync response carries it.
func inviteStateContent(sr *csapi.SyncResponse, room, eventType string) (map[string]any, bool) {
	for _, ev := range sr.InviteState(room) {
		if ev.Type() == eventType && ev.StateKey() == "" {
			return ev.Content(), true
		}
	}
	return nil, false
}

// notInvitedTo passes when rooms.invite does not list room.
func notInvitedTo(room string) csapi.SyncCheck {
	return csapi.Check("no invite to "+room, func(s *csapi.SyncResponse) bool {
		return !slices.Contains(s.InvitedRooms(), room)
	})
}

// compact renders v as one line of JSON for messages.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

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

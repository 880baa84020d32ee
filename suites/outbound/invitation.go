// Package outbound checks the homeserver as the inviting server: the v2 invite it sends to a remote user's server, its fallback to the v1 API in rooms v1 and v2, and what it does when the invited server refuses or tampers with the invite (server-server-api.md §Inviting to a room).
package outbound

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/matrix"
)

// The areas (and labels) of the rules here.
const (
	areaOutbound = "outbound"
	areaFallback = "fallback"
	areaErrors   = "errors"
)

// Where the spec states the rules.
const (
	secInviting = "server-server-api.md §Inviting to a room"
	secV2       = secInviting + " (invites-v2.yaml)"
	secV1       = secInviting + " (invites-v1.yaml)"
	secBoth     = secInviting + " (invites-v1.yaml, invites-v2.yaml)"
	secClient   = "client-server inviting.yaml POST /rooms/{roomId}/invite"
	secReceipt  = "server-server-api.md §Checks performed on receipt of a PDU"
)

// versions lists the room versions from..to (1–12).
func versions(from, to int) []matrix.RoomVersion {
	return matrix.KnownVersions()[from-1 : to]
}

// defaultVersion is the room version the homeserver creates rooms in, for
// rules that do not depend on the version; it is never 1 or 2, where a 400
// or 404 answer may be retried on the v1 API (room version 10 stands in).
func defaultVersion(ctx context.Context, user *csapi.Client) matrix.RoomVersion {
	GinkgoHelper()
	if v := bed.DefaultRoomVersion(ctx); !v.EventRefPairs {
		return v
	}
	return matrix.MustRoomVersion("10")
}

// roomName is the name of every room alice creates, so the invite state
// has a name to carry.
const roomName = "Herald outbound invite"

// summaryState are the events m.room.member.yaml says invite_room_state
// SHOULD hold when the room has them (the create event, a MUST, is
// OUT-STATE-CREATE's).
var summaryState = []string{"m.room.avatar", "m.room.canonical_alias", "m.room.join_rules", "m.room.name"}

// invitation is one invite of a remote user by a local one: alice, on the
// homeserver, invites carol, on a fresh mock, to a new private room (join
// rule invite, a name).
type invitation struct {
	rv     matrix.RoomVersion
	alice  *csapi.Client
	remote *federation.Server
	carol  string
	room   string
	// res is the homeserver's answer to alice's /invite, once sent.
	res *csapi.Response
}

// prepare makes the room of version rv (skipping the spec if the
// homeserver does not offer it) and the mock, scripted by opts; the
// invite is not sent yet (see send), so a spec can script the mock
// further.
func prepare(ctx SpecContext, rv matrix.RoomVersion, opts ...federation.Option) *invitation {
	GinkgoHelper()
	return prepareIn(ctx, func(context.Context, *csapi.Client) matrix.RoomVersion { return rv }, nil, opts...)
}

// prepareRoom is prepare with more options for the room alice creates,
// made from alice.
func prepareRoom(ctx SpecContext, rv matrix.RoomVersion, room roomOptions, opts ...federation.Option) *invitation {
	GinkgoHelper()
	return prepareIn(ctx, func(context.Context, *csapi.Client) matrix.RoomVersion { return rv }, room, opts...)
}

// prepareDefault is prepare for rules that do not depend on the room
// version: the room has the homeserver's default version (see
// defaultVersion).
func prepareDefault(ctx SpecContext, opts ...federation.Option) *invitation {
	GinkgoHelper()
	return prepareIn(ctx, defaultVersion, nil, opts...)
}

// roomOptions makes options for the room alice creates, from alice.
type roomOptions func(alice *csapi.Client) []csapi.RoomOption

func prepareIn(ctx SpecContext, version func(context.Context, *csapi.Client) matrix.RoomVersion, roomOpts roomOptions, opts ...federation.Option) *invitation {
	GinkgoHelper()
	alice := bed.NewUser(ctx, "alice")
	rv := version(ctx, alice)
	bed.RequireRoomVersion(ctx, rv)
	remote := bed.NewRemote(ctx, opts...)
	create := []csapi.RoomOption{csapi.RoomVersion(rv.ID), csapi.Preset(csapi.PresetPrivateChat), csapi.Name(roomName)}
	if roomOpts != nil {
		create = append(create, roomOpts(alice)...)
	}
	room := alice.MustCreateRoom(ctx, create...)
	return &invitation{rv: rv, alice: alice, remote: remote, carol: remote.User("carol"), room: room}
}

// send has alice invite carol and returns once the homeserver answered
// and the mock's journal holds everything the homeserver sent it
// meanwhile.
func (iv *invitation) send(ctx SpecContext) *invitation {
	GinkgoHelper()
	res, err := iv.alice.Invite(ctx, iv.room, iv.carol)
	Expect(err).NotTo(HaveOccurred(), "alice inviting %s to %s got no answer", iv.carol, iv.room)
	iv.res = res
	Expect(iv.remote.Journal.Settle(ctx)).To(Succeed(), "the mock's journal")
	AddReportEntry("herald.observed", iv.observed(ctx), ReportEntryVisibilityFailureOrVerbose)
	return iv
}

// inviteRemote is prepare and send.
func inviteRemote(ctx SpecContext, rv matrix.RoomVersion, opts ...federation.Option) *invitation {
	GinkgoHelper()
	return prepare(ctx, rv, opts...).send(ctx)
}

// attempts are the invite requests the homeserver sent the mock, v1 and
// v2, in order.
func (iv *invitation) attempts() []federation.Exchange {
	var out []federation.Exchange
	for _, e := range iv.remote.Journal.Requests() {
		if e.Route == federation.InviteV1 || e.Route == federation.InviteV2 {
			out = append(out, e)
		}
	}
	return out
}

// attemptsTo are the invite requests to one API.
func (iv *invitation) attemptsTo(route federation.Route) []federation.Exchange {
	return iv.remote.Journal.RequestsTo(route)
}

// firstTo returns the first invite request to route; it fails the spec if
// the homeserver sent none.
func (iv *invitation) firstTo(route federation.Route) federation.Exchange {
	GinkgoHelper()
	list := iv.attemptsTo(route)
	Expect(list).NotTo(BeEmpty(), "the homeserver sent no request to the mock's %s when alice invited %s.%s", route, iv.carol, iv.explain())
	return list[0]
}

// requestBody parses the body of an invite request as a JSON object.
func (iv *invitation) requestBody(e federation.Exchange) matrix.Object {
	GinkgoHelper()
	body, err := matrix.ParseObject(e.RequestBody)
	Expect(err).NotTo(HaveOccurred(), "the body of %s is not a JSON object.%s", e.Summary(), iv.explain())
	return body
}

// v2Body is the body of the first v2 invite request.
func (iv *invitation) v2Body() matrix.Object {
	GinkgoHelper()
	return iv.requestBody(iv.firstTo(federation.InviteV2))
}

// v2Event is the event of the first v2 invite request.
func (iv *invitation) v2Event() matrix.Object {
	GinkgoHelper()
	ev, ok := iv.v2Body().GetObject("event")
	Expect(ok).To(BeTrue(), "the v2 invite body has no event object (invites-v2.yaml: event is required).%s", iv.explain())
	return ev
}

// sentID is the event ID of the invite the homeserver sent over v2.
func (iv *invitation) sentID() string {
	GinkgoHelper()
	id, err := iv.rv.EventID(iv.v2Event())
	Expect(err).NotTo(HaveOccurred(), "the event ID of the invite the homeserver sent.%s", iv.explain())
	return id
}

// pathIDs returns the room ID and event ID an invite request names in its
// path.
func pathIDs(e federation.Exchange) (roomID, eventID string, err error) {
	path, _, _ := strings.Cut(e.URI, "?")
	var rest string
	for _, prefix := range []string{"/_matrix/federation/v1/invite/", "/_matrix/federation/v2/invite/"} {
		if r, ok := strings.CutPrefix(path, prefix); ok {
			rest = r
		}
	}
	raw := strings.Split(rest, "/")
	if len(raw) != 2 {
		return "", "", fmt.Errorf("%s is not /_matrix/federation/v{1,2}/invite/{roomId}/{eventId}", e.URI)
	}
	if roomID, err = url.PathUnescape(raw[0]); err == nil {
		eventID, err = url.PathUnescape(raw[1])
	}
	return roomID, eventID, err
}

// carolState is carol's member event in the room's current state, as alice
// reads it, if there is one.
func (iv *invitation) carolState(ctx context.Context) (csapi.Event, bool) {
	GinkgoHelper()
	for _, ev := range iv.alice.MustState(ctx, iv.room) {
		if ev.Type() == "m.room.member" && ev.IsState() && ev.StateKey() == iv.carol {
			return ev, true
		}
	}
	return csapi.Event{}, false
}

// expectRefused fails unless the client's /invite failed and the room
// state holds no invite of carol: what a server does when the invited
// server never countersigned the invite (secInviting: "a request to that
// homeserver to have the event signed and verified must be made").
func (iv *invitation) expectRefused(ctx context.Context) {
	GinkgoHelper()
	Expect(iv.res.StatusCode).NotTo(BeNumerically("<", 300),
		"alice's invite of %s succeeded although the invited server never countersigned it.%s", iv.carol, iv.explain())
	ev, ok := iv.carolState(ctx)
	if ok {
		Expect(ev.Membership()).NotTo(Equal("invite"),
			"the room state holds an invite of %s although the invited server never countersigned it: %s.%s", iv.carol, ev, iv.explain())
	}
}

// explain ends every failure message: alice's request and what the mock
// received (the full transcript is in the report; conformance adds what
// the rule requires).
func (iv *invitation) explain() string {
	var b strings.Builder
	if iv.res != nil {
		fmt.Fprintf(&b, "\nalice's invite:\n%s", iv.res.Dump())
	}
	b.WriteString("\nwhat the homeserver sent the mock:\n")
	reqs := iv.remote.Journal.Requests()
	if len(reqs) == 0 {
		b.WriteString("    (nothing)\n")
	}
	for _, e := range reqs {
		b.WriteString("    " + e.GomegaString() + "\n")
	}
	return b.String()
}

// observed says in one line what happened, for the report: the answers of
// the mock to each invite request, the client's answer and the state.
func (iv *invitation) observed(ctx context.Context) string {
	var parts []string
	for _, e := range iv.attempts() {
		s := fmt.Sprintf("%s → %d", e.Route.Name(), e.Status)
		if e.Scripted {
			s += " (scripted)"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		parts = append(parts, "no invite request")
	}
	client := fmt.Sprintf("client /invite → %d", iv.res.StatusCode)
	if code := iv.res.Errcode(); code != "" {
		client += " " + code
	}
	state := "none"
	for _, ev := range iv.alice.MustState(ctx, iv.room) {
		if ev.Type() == "m.room.member" && ev.StateKey() == iv.carol {
			state = ev.Membership() + " " + ev.ID()
		}
	}
	return fmt.Sprintf("room v%s: %s; %s; carol's membership in the state: %s", iv.rv.ID, strings.Join(parts, ", "), client, state)
}

// homeserverKeys fetches the homeserver's published keys through the mock.
func homeserverKeys(ctx context.Context, remote *federation.Server) *matrix.ServerKeys {
	GinkgoHelper()
	keys, res, err := remote.FetchKeys(ctx)
	Expect(err).NotTo(HaveOccurred(), "fetching the homeserver's keys:\n%v", res)
	return keys
}

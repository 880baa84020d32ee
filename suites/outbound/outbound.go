package outbound

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/match"
	"herald/harness/matrix"
)

// A local user invites a user of the mock; the mock answers as the spec
// says an invited server does (it countersigns the invite).
var _ = Describe("Outbound invite: a local user invites a remote user", func() {
	v2Rule := conformance.NewRule("OUT-V2", conformance.MUST, areaOutbound,
		secBoth+` (v1: "Servers which receive a v1 invite request must assume that the room version is either "1" or "2"")`,
		"sends the invite of a remote user to a room of version 3 or later over the v2 API, never over the v1 API")
	conformance.ForEachRoomVersion(v2Rule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		Expect(iv.attempts()).NotTo(BeEmpty(), "the homeserver sent the mock no invite request.%s", iv.explain())
		Expect(iv.attempts()).To(HaveEach(federation.RequestTo(federation.InviteV2)),
			"a v1 invite would make the invited server read the event as a room v1 or v2 event.%s", iv.explain())
	}, versions(3, 12)...)

	preferRule := conformance.NewRule("OUT-V2-PREFERRED", conformance.SHOULD, areaOutbound,
		secV1+` ("Servers should prefer to use the v2 API for invites instead of the v1 API")`,
		"tries the v2 API first when it invites a remote user to a room of version 1 or 2")
	conformance.ForEachRoomVersion(preferRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		Expect(iv.attempts()).NotTo(BeEmpty(), "the homeserver sent the mock no invite request.%s", iv.explain())
		Expect(iv.attempts()[0]).To(federation.RequestTo(federation.InviteV2), "its first invite request.%s", iv.explain())
	}, versions(1, 2)...)

	versionRule := conformance.NewRule("OUT-ROOM-VERSION", conformance.MUST, areaOutbound,
		secV2+` (request body: room_version is required, "The version of the room where the user is being invited to")`,
		"names the room's version in the room_version field of the v2 invite body")
	conformance.ForEachRoomVersion(versionRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		body := iv.v2Body()
		Expect(body["room_version"]).To(Equal(rv.ID), "room_version of the v2 invite body (a string) for a room of version %s.%s", rv.ID, iv.explain())
	})

	eventRule := conformance.NewRule("OUT-EVENT", conformance.MUST, areaOutbound,
		secV2+" (event: definitions/invite_event.yaml; path parameter roomId)",
		"sends an m.room.member event with membership invite, the inviting user as sender and the invitee as state_key, for the room the request's path names")
	conformance.ForEachRoomVersion(eventRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		ex := iv.firstTo(federation.InviteV2)
		ev := iv.v2Event()
		Expect(ev["type"]).To(Equal("m.room.member"), "type of the invite event.%s", iv.explain())
		Expect(ev["content"]).To(HaveKeyWithValue("membership", "invite"), "content of the invite event.%s", iv.explain())
		Expect(ev["sender"]).To(Equal(iv.alice.UserID), "sender of the invite event (alice invited).%s", iv.explain())
		Expect(ev["state_key"]).To(Equal(iv.carol), "state_key of the invite event (the invitee).%s", iv.explain())
		roomID, _, err := pathIDs(ex)
		Expect(err).NotTo(HaveOccurred(), "the invite request's path.%s", iv.explain())
		Expect(roomID).To(Equal(iv.room), "the room ID in the request's path.%s", iv.explain())
		Expect(ev["room_id"]).To(Equal(iv.room), "room_id of the invite event.%s", iv.explain())
	})

	hashRule := conformance.NewRule("OUT-HASH", conformance.MUST, areaOutbound,
		"server-server-api.md §Adding hashes and signatures to outgoing events, §Calculating the content hash for an event",
		"sends an invite event whose hashes.sha256 is its content hash")
	conformance.ForEachRoomVersion(hashRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		Expect(iv.v2Event()).To(match.HaveValidContentHash(rv), "the content hash of the invite event the homeserver sent.%s", iv.explain())
	})

	signedRule := conformance.NewRule("OUT-SIGNED", conformance.MUST, areaOutbound,
		"server-server-api.md §Adding hashes and signatures to outgoing events, §Validating hashes and signatures on received events",
		"signs the invite event it sends, per the room version's redaction rules, with a key it publishes")
	conformance.ForEachRoomVersion(signedRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		Expect(iv.v2Event()).To(match.BeSignedBy(bed.Homeserver().ServerName, homeserverKeys(ctx, iv.remote), rv), "%s", iv.explain())
	})

	// The spec defines where a signature goes but gives no RFC 2119 word
	// for an entry under a name that did not sign, and receivers skip
	// signatures from unknown keys: SHOULD.
	ownRule := conformance.NewRule("OUT-OWN-SIGNATURE", conformance.SHOULD, areaOutbound,
		`appendices.md §Signing Details (the signature "is added to the signatures object under the name of the entity signing it"); server-server-api.md §Adding hashes and signatures to outgoing events`,
		"signs the invite it sends under its own name only: it carries no signature under the invited server's name, which only the invited server can add")
	conformance.ForEachRoomVersion(ownRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		Expect(iv.v2Event()).To(match.OutboundBeSignedOnlyUnder(bed.Homeserver().ServerName), "the invite event the homeserver sent.%s", iv.explain())
	})

	idRule := conformance.NewRule("OUT-EVENT-ID", conformance.MUST, areaOutbound,
		secV2+" (path parameter eventId: \"The event ID for the invite event, generated by the inviting server\"); rooms/ event ID format of each version",
		"names the invite's event ID in the request's path, in the room version's event ID format")
	conformance.ForEachRoomVersion(idRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		_, pathID, err := pathIDs(iv.firstTo(federation.InviteV2))
		Expect(err).NotTo(HaveOccurred(), "the invite request's path.%s", iv.explain())
		Expect(rv.CheckEventIDFormat(pathID)).To(Succeed(), "the event ID in the path.%s", iv.explain())
		Expect(iv.v2Event()).To(match.HaveEventID(rv, pathID), "the ID of the invite event the homeserver sent, against the path.%s", iv.explain())
	})

	xmatrixRule := conformance.NewRule("OUT-XMATRIX", conformance.MUST, areaOutbound,
		"server-server-api.md §Request Authentication",
		"signs its invite request with an X-Matrix header naming itself as origin and the invited server as destination, with a key it publishes")
	conformance.It(xmatrixRule,
		func(ctx SpecContext) {
			iv := prepareDefault(ctx).send(ctx)
			ex := iv.firstTo(federation.InviteV2)
			Expect(ex.Origin).To(Equal(bed.Homeserver().ServerName), "the X-Matrix origin.%s", iv.explain())
			var xmatrix []federation.Check
			for _, c := range ex.Checks {
				if strings.HasPrefix(c.Name, "X-Matrix") {
					xmatrix = append(xmatrix, c)
				}
			}
			Expect(xmatrix).NotTo(BeEmpty(), "the mock made no X-Matrix check on %s.%s", ex.Summary(), iv.explain())
			Expect(xmatrix).To(HaveEach(Satisfy(federation.Check.Passed)), "the mock's X-Matrix checks on the invite request.%s", iv.explain())
		})

	createRule := conformance.NewRule("OUT-STATE-CREATE", conformance.MUST, areaOutbound,
		secV2+` (invite_room_state, v1.16: "MUST contain the m.room.create event for the room")`,
		"sends invite_room_state holding the room's m.room.create event")
	conformance.ForEachRoomVersion(createRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		state, _ := iv.v2Body().GetArray("invite_room_state")
		Expect(state).To(match.OutboundHoldStateEvent("m.room.create", ""), "invite_room_state of the v2 invite body.%s", iv.explain())
	})

	// Every event the list names, set on the room, so each can be looked
	// for (a sample of the list would pass a server that drops the rest).
	summaryRule := conformance.NewRule("OUT-STATE-SUMMARY", conformance.SHOULD, areaOutbound,
		`m.room.member.yaml unsigned.invite_room_state ("If they are set on the room, at least the state for m.room.avatar, m.room.canonical_alias, m.room.join_rules, and m.room.name SHOULD be included"); `+secV2+` (seed: "The recommended events to include are the join rules, canonical alias, avatar, and name of the room")`,
		"sends invite_room_state holding every event the list names that the room has: m.room.avatar, m.room.canonical_alias, m.room.join_rules and m.room.name")
	conformance.ForEachRoomVersion(summaryRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := prepareRoom(ctx, rv, func(alice *csapi.Client) []csapi.RoomOption {
			local, _, _ := strings.Cut(strings.TrimPrefix(alice.UserID, "@"), ":")
			return []csapi.RoomOption{
				csapi.RoomAliasName("herald-summary-" + local),
				csapi.InitialState("m.room.avatar", "", map[string]any{"url": "mxc://herald.invalid/avatar"}),
			}
		}).send(ctx)
		state, _ := iv.v2Body().GetArray("invite_room_state")
		Expect(state).To(match.OutboundHoldEveryStateEvent(summaryState...),
			"invite_room_state of the v2 invite body (the room has an avatar, a canonical alias, a join rule and the name %q).%s", roomName, iv.explain())
	})

	fullRule := conformance.NewRule("OUT-STATE-FULL", conformance.MUST, areaOutbound,
		secV2+` (invite_room_state, v1.16: "MUST contain the m.room.create event for the room. All events listed MUST additionally be formatted according to the room version specification"; receivers MAY reject other entries in rooms v1–v11 and SHOULD in later versions)`,
		"sends invite_room_state as a non-empty list whose every entry is a full event of the room's version: hashed, signed, in the room")
	conformance.ForEachRoomVersion(fullRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		keys := homeserverKeys(ctx, iv.remote)
		Expect(iv.v2Body()["invite_room_state"]).To(match.OutboundBeFullInviteState(rv, iv.room, keys), "%s", iv.explain())
	})

	completesRule := conformance.NewRule("OUT-COMPLETES", conformance.MUST, areaOutbound,
		secClient+" (200: \"The user has been invited to join the room\"); "+secV2,
		"answers the client's /invite with 200 and a JSON object once the invited server has countersigned the invite")
	conformance.ForEachRoomVersion(completesRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		Expect(iv.res).To(match.HaveStatus(http.StatusOK), "%s", iv.explain())
		_, err := iv.res.JSON()
		Expect(err).NotTo(HaveOccurred(), "the 200 answer to /invite must be a JSON object ({}).%s", iv.explain())
	})

	stateRule := conformance.NewRule("OUT-IN-STATE", conformance.MUST, areaOutbound,
		secClient+" (\"If the user was invited to the room, the homeserver will append a m.room.member event to the room\")",
		"puts the invite it sent into the room's state once the invited server has countersigned it")
	conformance.ForEachRoomVersion(stateRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := inviteRemote(ctx, rv)
		sent := iv.sentID()
		ev, ok := iv.carolState(ctx)
		Expect(ok).To(BeTrue(), "the room state has no member event of %s after the invite.%s", iv.carol, iv.explain())
		Expect(ev.Membership()).To(Equal("invite"), "%s's membership in the room state: %s.%s", iv.carol, ev, iv.explain())
		Expect(ev.ID()).To(Equal(sent), "the member event in the state is not the invite the homeserver sent the mock: %s.%s", ev, iv.explain())
	})

	// The seed's words are permissive ("it can be sent to all of the
	// servers in the room"): MAY. It is checked where the server does it, in
	// the transactions to a server in the room, and only what is sent "once
	// the event has been signed by both" counts. Both invite APIs say it.
	countersignedRule := conformance.NewRule("OUT-COUNTERSIGNED", conformance.MAY, areaOutbound,
		secV2+` ("Once the event has been signed by both the inviting homeserver and the invited homeserver, it can be sent to all of the servers in the room by the inviting homeserver")`,
		"sends the invite, once the invited server has countersigned it over the v2 API, to the other servers in the room (here: a second mock, joined before the invite), carrying the invited server's signature")
	conformance.ForEachRoomVersion(countersignedRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		expectSentToRoom(ctx, countersignedRule, rv, false)
	})

	countersignedV1Rule := conformance.NewRule("OUT-COUNTERSIGNED-V1", conformance.MAY, areaOutbound,
		secV1+` ("Once the event has been signed by both the inviting homeserver and the invited homeserver, it can be sent to all of the servers in the room by the inviting homeserver")`,
		"sends the invite, once the invited server has countersigned it over the v1 API (the v2 API answered 404 M_UNRECOGNIZED), to the other servers in the room, carrying the invited server's signature")
	conformance.ForEachRoomVersion(countersignedV1Rule, func(ctx SpecContext, rv matrix.RoomVersion) {
		expectSentToRoom(ctx, countersignedV1Rule, rv, true)
	}, versions(1, 2)...)
})

// expectSentToRoom has a second mock join alice's room, then alice invite
// carol of the invited mock (over the v1 API when v1: the v2 API answers
// 404 M_UNRECOGNIZED), and waits for the invite to reach the room's other
// server carrying the invited server's countersignature.
func expectSentToRoom(ctx SpecContext, r conformance.Rule, rv matrix.RoomVersion, v1 bool) {
	GinkgoHelper()
	var opts []federation.Option
	if v1 {
		opts = append(opts, federation.Answer(federation.InviteV2, federation.Status(http.StatusNotFound, "M_UNRECOGNIZED")))
	}
	iv := prepareRoom(ctx, rv, func(*csapi.Client) []csapi.RoomOption {
		return []csapi.RoomOption{csapi.InitialState("m.room.join_rules", "", map[string]any{"join_rule": "public"})}
	}, opts...)
	resident := bed.NewRemote(ctx)
	replica, err := resident.JoinRoom(ctx, iv.room, resident.User("dave"))
	Expect(err).NotTo(HaveOccurred(), "a second mock joining the room before the invite, to be a server in the room.%s", iv.explain())
	iv.send(ctx)
	Expect(iv.res).To(match.HaveStatus(http.StatusOK), "the invite must have succeeded to be sent on.%s", iv.explain())
	var sent string
	if v1 {
		sent, err = rv.EventID(iv.requestBody(iv.firstTo(federation.InviteV1)))
		Expect(err).NotTo(HaveOccurred(), "the event ID of the v1 invite.%s", iv.explain())
	} else {
		sent = iv.sentID()
	}
	Eventually(ctx, func() *federation.Event { return replica.Event(sent) }).WithTimeout(bed.Config().Timeouts.Sync).ShouldNot(BeNil(),
		"the server in the room (%s) was not sent the invite %s (the MAY is not done).%s", resident.Name(), sent, iv.explain())
	Expect(replica.Event(sent).Fields).To(match.OutboundCarrySignature(rv, iv.remote.Name(), iv.remote.KeyID(), iv.remote.Signer().PublicKey()),
		"the invite as the homeserver sent it to %s, a server in the room, must be the one both servers signed.%s", resident.Name(), iv.explain())
}

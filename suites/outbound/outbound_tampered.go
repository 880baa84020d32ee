package outbound

import (
	"net/http"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/federation"
	"herald/harness/matrix"
)

// tamperedMarker is the display name the mock writes into the invite it
// returns: a field no one but the mock set.
const tamperedMarker = "Herald: changed by the invited server"

// The invited server answers 200 but returns an event other than the one
// it was sent with its signature added.
var _ = Describe("Outbound invite: the invited server returns another event", func() {
	contentRule := conformance.NewRule("OUTERR-ALTERED-CONTENT", conformance.MUST, areaErrors,
		secReceipt+` ("Whenever a server receives an event from a remote server … Passes hash checks, otherwise it is redacted before being processed further"); invites-v2.yaml 200 ("All other fields of the events should remain untouched")`,
		"does not store the invite the invited server returns with a changed content field (the content hash no longer matches) as it came back")
	conformance.ForEachRoomVersion(contentRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := prepare(ctx, rv)
		// The change is outside the redacted form, so every signature still
		// verifies: only the content hash tells.
		iv.remote.Answer(federation.InviteV2, federation.ModifyEvent(func(ev matrix.Object) {
			content, _ := ev.GetObject("content")
			content["displayname"] = tamperedMarker
		}))
		iv.send(ctx)
		iv.firstTo(federation.InviteV2)
		if ev, ok := iv.carolState(ctx); ok && ev.Membership() == "invite" {
			Expect(ev.Content()).NotTo(HaveKeyWithValue("displayname", tamperedMarker),
				"the room state holds the invite with the content the invited server changed, although its content hash does not match: %s.%s", ev, iv.explain())
		}
	})

	idRule := conformance.NewRule("OUTERR-ALTERED-ID", conformance.MUST, areaErrors,
		secReceipt+` ("Passes signature checks, otherwise it is dropped"); invites-v2.yaml 200 ("The event with the invited server's signature added")`,
		"does not store the invite the invited server returns with another event ID (a changed origin_server_ts, or event_id in rooms v1 and v2, that breaks the homeserver's own signature)")
	conformance.ForEachRoomVersion(idRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := prepare(ctx, rv)
		var mu sync.Mutex
		var alteredID string
		// Re-signed by the mock: only the homeserver's signature fails.
		iv.remote.Answer(federation.InviteV2, federation.ReturnUnderAnotherID(rv, func(id string) {
			mu.Lock()
			alteredID = id
			mu.Unlock()
		}))
		iv.send(ctx)
		iv.firstTo(federation.InviteV2)
		mu.Lock()
		altered := alteredID
		mu.Unlock()
		Expect(altered).NotTo(BeEmpty(), "the mock did not return an altered invite (see its notes).%s", iv.explain())
		Expect(altered).NotTo(Equal(iv.sentID()), "the altered invite kept the ID: Herald's mock is wrong")
		if ev, ok := iv.carolState(ctx); ok {
			Expect(ev.ID()).NotTo(Equal(altered),
				"the room state holds the invite under the ID %s the invited server made up, although the homeserver's own signature on it does not verify: %s.%s", altered, ev, iv.explain())
		}
	})

	unsignedRule := conformance.NewRule("OUTERR-UNSIGNED", conformance.MAY, areaErrors,
		secV2+` (200: "The event with the invited server's signature added"; the spec does not say what the inviting server does with an answer that lacks it)`,
		"fails the client's invite, and stores nothing, when the invited server answers 200 with the invite but without its own signature")
	conformance.ForEachRoomVersion(unsignedRule, func(ctx SpecContext, rv matrix.RoomVersion) {
		iv := prepare(ctx, rv)
		iv.remote.Answer(federation.InviteV2, federation.ReturnUncountersigned())
		iv.send(ctx)
		Expect(iv.firstTo(federation.InviteV2).Status).To(Equal(http.StatusOK), "the mock's scripted answer.%s", iv.explain())
		iv.expectRefused(ctx)
	})
})

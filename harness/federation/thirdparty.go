package federation

import (
	"net/http"

	"herald/harness/matrix"
)

// serveExchangeThirdPartyInvite answers PUT
// /v1/exchange_third_party_invite/{roomId} (third_party_invite.yaml) for a
// room the mock hosts: the body is a partial m.room.member invite whose
// third_party_invite.signed the mock checks through the auth rules (the
// m.room.third_party_invite must be in its room, the signature must verify
// under its public keys). The mock then issues the invite as the original
// inviter, has the homeserver countersign it over /v2/invite, and answers
// 200 {}.
func (s *Server) serveExchangeThirdPartyInvite(r *Request, room *Room, body matrix.Object) *Reply {
	roomID, _ := body.GetString("room_id")
	r.Check("exchange: body room_id matches the path", checkf(roomID != room.ID, "body %q, path %q", roomID, room.ID))
	typ, _ := body.GetString("type")
	r.Check("exchange: type is m.room.member", checkf(typ != "m.room.member", "type %q", typ))
	content, _ := body.GetObject("content")
	membership, _ := content.GetString("membership")
	r.Check("exchange: membership is invite", checkf(membership != "invite", "membership %q", membership))
	sender, _ := body.GetString("sender")
	target, hasTarget := body.GetString("state_key")
	r.Check("exchange: state_key is present", checkf(!hasTarget, "missing"))
	if roomID != room.ID || typ != "m.room.member" || membership != "invite" || !hasTarget {
		return errorReply(http.StatusBadRequest, "M_INVALID_PARAM", "malformed exchange (see Herald's journal)")
	}
	if server, _ := matrix.ServerNameOf(sender); server != s.Name() {
		r.Note("the sender %q is not a user of the mock", sender)
		return errorReply(http.StatusForbidden, "M_FORBIDDEN", "%s is not a user of %s", sender, s.Name())
	}
	invite, err := room.NewEvent(ProtoEvent{
		Type: "m.room.member", StateKey: StateKey(target), Sender: sender, Content: map[string]any(content),
	})
	if err != nil {
		r.Check("exchange: building the invite", err)
		return errorReply(http.StatusInternalServerError, "M_UNKNOWN", "%v", err)
	}
	if err := room.Authorise(invite); err != nil {
		r.Note("refusing the third-party invite: %v", err)
		return errorReply(http.StatusForbidden, "M_FORBIDDEN", "%v", err)
	}
	res, err := s.SendInviteV2(r.HTTP.Context(), invite)
	switch {
	case err != nil:
		r.Note("sending the invite to the homeserver: %v", err)
		return errorReply(http.StatusBadGateway, "M_UNKNOWN", "sending the invite: %v", err)
	case res.StatusCode != http.StatusOK:
		r.Note("the homeserver answered the invite with %d", res.StatusCode)
		return errorReply(http.StatusBadGateway, "M_UNKNOWN", "the invite got %d", res.StatusCode)
	}
	return jsonReply(http.StatusOK, map[string]any{})
}

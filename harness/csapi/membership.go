package csapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/onsi/ginkgo/v2"
)

// MembershipOption adds to a join, invite, leave, kick, ban or unban request.
type MembershipOption func(*membershipRequest)

type membershipRequest struct {
	body  map[string]any
	query []RequestOption
}

// Via names servers to join through, sent both as the via and the older
// server_name query parameters.
func Via(servers ...string) MembershipOption {
	return func(r *membershipRequest) {
		r.query = append(r.query, Query("via", servers...), Query("server_name", servers...))
	}
}

// ThirdPartySigned sets the third_party_signed object of a join, proving the
// user accepted a third-party invite.
func ThirdPartySigned(signed any) MembershipOption {
	return MembershipField("third_party_signed", signed)
}

// Reason sets the reason carried into the membership event.
func Reason(reason string) MembershipOption { return MembershipField("reason", reason) }

// MembershipField sets any field of the request body, valid or not.
func MembershipField(key string, value any) MembershipOption {
	return func(r *membershipRequest) { r.body[key] = value }
}

// membership POSTs a membership request built from fixed body fields and opts.
func (c *Client) membership(ctx context.Context, what, path string, fields map[string]any, opts []MembershipOption) (*Response, error) {
	r := membershipRequest{body: fields}
	for _, o := range opts {
		o(&r)
	}
	return c.request(ctx, what, http.MethodPost, path, append(r.query, JSONBody(r.body))...)
}

// userChange is a change one member makes to another user's membership:
// POST /rooms/{roomId}/<action> with the user's ID.
type userChange struct {
	action string
	// doing says what the client is doing, given the user and the room.
	doing string
}

var (
	inviting  = userChange{"invite", "inviting %s to %s"}
	kicking   = userChange{"kick", "kicking %s from %s"}
	banning   = userChange{"ban", "banning %s from %s"}
	unbanning = userChange{"unban", "unbanning %s from %s"}
)

func (c *Client) changeUser(ctx context.Context, t userChange, roomID, userID string, opts []MembershipOption) (*Response, error) {
	return c.membership(ctx, fmt.Sprintf(t.doing, userID, roomID),
		ClientPath("rooms", roomID, t.action), map[string]any{"user_id": userID}, opts)
}

func (c *Client) mustChangeUser(ctx context.Context, t userChange, roomID, userID string, opts []MembershipOption) {
	ginkgo.GinkgoHelper()
	res, err := c.changeUser(ctx, t, roomID, userID, opts)
	c.must(c.who()+" "+fmt.Sprintf(t.doing, userID, roomID), res, err, http.StatusOK)
}

// Invite invites userID to roomID (POST /rooms/{roomId}/invite).
func (c *Client) Invite(ctx context.Context, roomID, userID string, opts ...MembershipOption) (*Response, error) {
	return c.changeUser(ctx, inviting, roomID, userID, opts)
}

// MustInvite invites userID to roomID; it fails the spec unless the server
// answers 200.
func (c *Client) MustInvite(ctx context.Context, roomID, userID string, opts ...MembershipOption) {
	ginkgo.GinkgoHelper()
	c.mustChangeUser(ctx, inviting, roomID, userID, opts)
}

// InviteBody sends body to POST /rooms/{roomId}/invite as is: a third-party
// invite ({"id_server", "medium", "address", …}) or a malformed request.
// A []byte or json.RawMessage is sent byte for byte, anything else as JSON.
func (c *Client) InviteBody(ctx context.Context, roomID string, body any) (*Response, error) {
	return c.request(ctx, "posting an invite body to "+roomID, http.MethodPost, ClientPath("rooms", roomID, "invite"), JSONBody(body))
}

// Join joins a room by ID or alias (POST /join/{roomIdOrAlias}).
func (c *Client) Join(ctx context.Context, roomIDOrAlias string, opts ...MembershipOption) (*Response, error) {
	return c.membership(ctx, "joining "+roomIDOrAlias,
		ClientPath("join", roomIDOrAlias), map[string]any{}, opts)
}

// MustJoin joins a room by ID or alias and returns the room ID; it fails the
// spec unless the server answers 200 with a room_id.
func (c *Client) MustJoin(ctx context.Context, roomIDOrAlias string, opts ...MembershipOption) string {
	ginkgo.GinkgoHelper()
	res, err := c.Join(ctx, roomIDOrAlias, opts...)
	return c.mustString(fmt.Sprintf("%s joining %s", c.who(), roomIDOrAlias), res, err, "room_id")
}

// JoinRoomByID joins a room through POST /rooms/{roomId}/join.
func (c *Client) JoinRoomByID(ctx context.Context, roomID string, opts ...MembershipOption) (*Response, error) {
	return c.membership(ctx, "joining "+roomID+" by ID",
		ClientPath("rooms", roomID, "join"), map[string]any{}, opts)
}

// MustJoinRoomByID joins through /rooms/{roomId}/join and returns the room
// ID; it fails the spec unless the server answers 200 with a room_id.
func (c *Client) MustJoinRoomByID(ctx context.Context, roomID string, opts ...MembershipOption) string {
	ginkgo.GinkgoHelper()
	res, err := c.JoinRoomByID(ctx, roomID, opts...)
	return c.mustString(fmt.Sprintf("%s joining %s by ID", c.who(), roomID), res, err, "room_id")
}

// Leave leaves roomID, or rejects an invite to it (POST /rooms/{roomId}/leave).
func (c *Client) Leave(ctx context.Context, roomID string, opts ...MembershipOption) (*Response, error) {
	return c.membership(ctx, "leaving "+roomID,
		ClientPath("rooms", roomID, "leave"), map[string]any{}, opts)
}

// MustLeave leaves roomID; it fails the spec unless the server answers 200.
func (c *Client) MustLeave(ctx context.Context, roomID string, opts ...MembershipOption) {
	ginkgo.GinkgoHelper()
	res, err := c.Leave(ctx, roomID, opts...)
	c.must(fmt.Sprintf("%s leaving %s", c.who(), roomID), res, err, http.StatusOK)
}

// Kick kicks userID from roomID (POST /rooms/{roomId}/kick).
func (c *Client) Kick(ctx context.Context, roomID, userID string, opts ...MembershipOption) (*Response, error) {
	return c.changeUser(ctx, kicking, roomID, userID, opts)
}

// MustKick kicks userID; it fails the spec unless the server answers 200.
func (c *Client) MustKick(ctx context.Context, roomID, userID string, opts ...MembershipOption) {
	ginkgo.GinkgoHelper()
	c.mustChangeUser(ctx, kicking, roomID, userID, opts)
}

// Ban bans userID from roomID (POST /rooms/{roomId}/ban).
func (c *Client) Ban(ctx context.Context, roomID, userID string, opts ...MembershipOption) (*Response, error) {
	return c.changeUser(ctx, banning, roomID, userID, opts)
}

// MustBan bans userID; it fails the spec unless the server answers 200.
func (c *Client) MustBan(ctx context.Context, roomID, userID string, opts ...MembershipOption) {
	ginkgo.GinkgoHelper()
	c.mustChangeUser(ctx, banning, roomID, userID, opts)
}

// Unban lifts userID's ban from roomID (POST /rooms/{roomId}/unban).
func (c *Client) Unban(ctx context.Context, roomID, userID string, opts ...MembershipOption) (*Response, error) {
	return c.changeUser(ctx, unbanning, roomID, userID, opts)
}

// MustUnban lifts a ban; it fails the spec unless the server answers 200.
func (c *Client) MustUnban(ctx context.Context, roomID, userID string, opts ...MembershipOption) {
	ginkgo.GinkgoHelper()
	c.mustChangeUser(ctx, unbanning, roomID, userID, opts)
}

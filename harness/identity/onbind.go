package identity

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
)

// Response is the homeserver's answer to one call of the mock, with the
// request, for failure messages.
type Response = mockhttp.Response

// OnBindPath is the homeserver endpoint the mock notifies.
const OnBindPath = "/_matrix/federation/v1/3pid/onbind"

// OnBindBody is what the mock sends when address (of medium) gets bound
// to mxid (third_party_invite.yaml /3pid/onbind): medium, address, mxid and
// every pending invite for the address, each with a block signed by the
// long-term key; the whole body is signed with the long-term key too
// (identity-service-api.md "Invitation storage"). Options leave fields out
// before the body is signed.
func (s *Server) OnBindBody(medium, address, mxid string, opts ...OnBindOption) matrix.Object {
	var c onBindConfig
	for _, o := range opts {
		o(&c)
	}
	invites := []any{}
	for _, inv := range s.pendingFor(medium, address) {
		entry := map[string]any{
			"medium": medium, "address": address, "mxid": mxid, "room_id": inv.RoomID, "sender": inv.Sender,
			"signed": map[string]any(s.Signed(mxid, inv.Token, c.signed...)),
		}
		for _, f := range c.omitInvite {
			delete(entry, f)
		}
		invites = append(invites, entry)
	}
	body := matrix.Object{"medium": medium, "address": address, "mxid": mxid, "invites": invites}
	for _, f := range c.omit {
		delete(body, f)
	}
	if err := s.longTerm.SignJSON(body); err != nil {
		panic(fmt.Sprintf("identity: signing the onbind body: %v", err))
	}
	return body
}

// OnBindOption changes the body OnBindBody builds.
type OnBindOption func(*onBindConfig)

type onBindConfig struct {
	omit, omitInvite []string
	signed           []SignOption
}

// WithoutField leaves field out of the onbind body itself.
func WithoutField(field string) OnBindOption {
	return func(c *onBindConfig) { c.omit = append(c.omit, field) }
}

// WithoutInviteField leaves field out of every entry of invites.
func WithoutInviteField(field string) OnBindOption {
	return func(c *onBindConfig) { c.omitInvite = append(c.omitInvite, field) }
}

// InviteSigned builds every invite's signed block with opts (see Signed).
func InviteSigned(opts ...SignOption) OnBindOption {
	return func(c *onBindConfig) { c.signed = append(c.signed, opts...) }
}

// NotifyBind binds address to mxid and tells the homeserver with POST
// /3pid/onbind (the method identity servers use and the prose of
// identity-service-api.md names; third_party_invite.yaml says PUT, see
// CallHomeserver). The error is non-nil only when no answer came.
func (s *Server) NotifyBind(ctx context.Context, medium, address, mxid string) (*Response, error) {
	body := s.OnBindBody(medium, address, mxid)
	s.Bind(medium, address, mxid)
	return s.SendOnBind(ctx, http.MethodPost, body)
}

// CallHomeserver sends any request to the homeserver's federation port
// (the mock's peer), unauthenticated as onbind is, with body as is (nil:
// none).
func (s *Server) CallHomeserver(ctx context.Context, method, target string, body []byte) (*Response, error) {
	peer := s.Peer()
	if peer.Name == "" {
		return nil, errors.New("identity: the mock has no homeserver to call")
	}
	req, err := mockhttp.NewRequest(ctx, method, peer, target, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	route := OnBind
	if req.URL.Opaque != OnBindPath {
		route = Unrouted
	}
	sent, res, err := mockhttp.Send(s.Mock, req, peer, route, body)
	s.Journal.Record(Exchange{Exchange: sent})
	return res, err
}

package identity

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
)

// Invite is a pending third-party invite the mock stored.
type Invite struct {
	// Token identifies the invite: the state_key of its
	// m.room.third_party_invite event.
	Token   string
	Medium  string
	Address string
	// RoomID is the room the invite is for; a spec that stores the invite
	// before its room exists (its m.room.third_party_invite is part of the
	// room's initial state) sets it once the room does.
	RoomID string
	Sender string
	// DisplayName is the redacted address the mock gave out.
	DisplayName string
	// Ephemeral is the invite's short-term key.
	Ephemeral *matrix.Signer
	// Request is the store-invite body as received (nil for an invite a
	// spec stored with Store).
	Request matrix.Object

	server *Server
}

// PublicKeys is the public_keys list of the store-invite answer: the
// long-term key, then the ephemeral one, each with its key_validity_url.
func (inv *Invite) PublicKeys() []any {
	s := inv.server
	return []any{
		map[string]any{"public_key": s.longTerm.PublicKeyBase64(), "key_validity_url": s.URL(IsValid.Path())},
		map[string]any{"public_key": inv.Ephemeral.PublicKeyBase64(), "key_validity_url": s.URL(EphemeralIsValid.Path())},
	}
}

// EventContent is the content of the m.room.third_party_invite event a
// homeserver emits for the invite (client-server m.room.third_party_invite):
// display_name, public_keys, and for older servers public_key with its
// key_validity_url (the long-term key).
func (inv *Invite) EventContent() map[string]any {
	s := inv.server
	return map[string]any{
		"display_name":     inv.DisplayName,
		"public_key":       s.longTerm.PublicKeyBase64(),
		"key_validity_url": s.URL(IsValid.Path()),
		"public_keys":      inv.PublicKeys(),
	}
}

// Store records a pending invite as if a homeserver had called
// store-invite, for specs whose inviting homeserver is a mock.
func (s *Server) Store(medium, address, roomID, sender string) *Invite {
	inv := &Invite{
		Token: mockhttp.RandomToken(24), Medium: medium, Address: address, RoomID: roomID, Sender: sender,
		DisplayName: redact(address), Ephemeral: s.newEphemeralKey(), server: s,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invites[inv.Token] = inv
	s.order = append(s.order, inv.Token)
	return inv
}

// Invites returns the stored invites, in the order they were stored.
func (s *Server) Invites() []*Invite {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Invite, 0, len(s.order))
	for _, t := range s.order {
		out = append(out, s.invites[t])
	}
	return out
}

// InviteByToken returns the stored invite with token, or nil.
func (s *Server) InviteByToken(token string) *Invite {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invites[token]
}

func (s *Server) pendingFor(medium, address string) []*Invite {
	var out []*Invite
	for _, inv := range s.Invites() {
		if inv.Medium == medium && inv.Address == address {
			out = append(out, inv)
		}
	}
	return out
}

// redact turns an address into a display name that does not leak it:
// "alice@example.org" → "a…@e…".
func redact(address string) string {
	local, domain, ok := strings.Cut(address, "@")
	first := func(s string) string {
		for _, r := range s {
			return string(r) + "…"
		}
		return "…"
	}
	if !ok {
		return first(address)
	}
	return first(local) + "@" + first(domain)
}

// storeInviteFields are the fields store-invite requires
// (v2_store_invite.yaml).
var storeInviteFields = []string{"medium", "address", "room_id", "sender"}

// serveStoreInvite answers POST /v2/store-invite: a JSON body with
// medium, address, room_id and sender; a bound address is refused with
// M_THREEPID_IN_USE, a medium other than email with M_UNRECOGNIZED.
func (s *Server) serveStoreInvite(r *Request, body matrix.Object) *Reply {
	return s.storeInvite(r, body, false)
}

// serveLegacyStoreInvite answers the removed v1 store-invite, which took a
// form-encoded (or JSON) body and answered with a top-level public_key too.
func (s *Server) serveLegacyStoreInvite(r *Request) *Reply {
	var body matrix.Object
	ct, _, _ := mime.ParseMediaType(r.HTTP.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		r.Note("form-encoded body (the v2 API takes JSON)")
		form, err := url.ParseQuery(string(r.Body))
		if err != nil {
			return r.Refuse("the store-invite form body parses", http.StatusBadRequest, "M_BAD_JSON", "bad form body: %v", err)
		}
		body = matrix.Object{}
		for k, v := range form {
			body[k] = v[0]
		}
	} else {
		var err error
		if body, err = r.Object(); err != nil {
			return r.Refuse("the store-invite body is a JSON object", http.StatusBadRequest, "M_NOT_JSON", "the body is not a JSON object: %v", err)
		}
	}
	return s.storeInvite(r, body, true)
}

func (s *Server) storeInvite(r *Request, body matrix.Object, legacy bool) *Reply {
	var missing []string
	fields := map[string]string{}
	for _, f := range storeInviteFields {
		v, ok := body.GetString(f)
		if !ok || v == "" {
			missing = append(missing, f)
		}
		fields[f] = v
	}
	if len(missing) > 0 {
		return r.Refuse("the store-invite body has medium, address, room_id and sender (required)", http.StatusBadRequest, "M_MISSING_PARAM", "missing %s", strings.Join(missing, ", "))
	}
	if fields["medium"] != "email" {
		r.Note("store-invite for medium %q", fields["medium"])
		return mockhttp.ErrorReply(http.StatusBadRequest, "M_UNRECOGNIZED", "only email invites are supported")
	}
	if mxid, ok := s.boundTo(fields["medium"], fields["address"]); ok {
		r.Note("the address is bound to %s", mxid)
		return mockhttp.JSONReply(http.StatusBadRequest, map[string]any{"errcode": "M_THREEPID_IN_USE", "error": "Binding already known", "mxid": mxid})
	}
	inv := s.Store(fields["medium"], fields["address"], fields["room_id"], fields["sender"])
	inv.Request = body.Clone()
	out := map[string]any{"token": inv.Token, "public_keys": inv.PublicKeys(), "display_name": inv.DisplayName}
	if legacy {
		out["public_key"] = s.longTerm.PublicKeyBase64()
	}
	return mockhttp.JSONReply(http.StatusOK, out)
}

// serveSignEd25519 answers POST /v2/sign-ed25519: the stored invite's
// mxid, sender and token signed with the private key the caller sent.
func (s *Server) serveSignEd25519(r *Request, body matrix.Object) *Reply {
	mxid, _ := body.GetString("mxid")
	token, _ := body.GetString("token")
	key, _ := body.GetString("private_key")
	var missing []string
	for f, v := range map[string]string{"mxid": mxid, "token": token, "private_key": key} {
		if v == "" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return r.Refuse("the sign-ed25519 body has mxid, token and private_key (required)", http.StatusBadRequest, "M_MISSING_PARAM", "missing %s", strings.Join(missing, ", "))
	}
	inv := s.InviteByToken(token)
	if inv == nil {
		return r.Refuse("sign-ed25519 names the token of a stored invite", http.StatusNotFound, "M_UNRECOGNIZED", "Didn't recognize token %q", token)
	}
	seed, err := matrix.DecodeBase64(key)
	if err != nil || (len(seed) != 32 && len(seed) != 64) {
		return r.Refuse("sign-ed25519's private_key is an unpadded base64 ed25519 key", http.StatusBadRequest, "M_INVALID_PARAM", "private_key is not an unpadded base64 ed25519 key")
	}
	signer, err := matrix.NewSigner(s.Name(), "ed25519:0", seed[:32])
	if err != nil {
		return mockhttp.ErrorReply(http.StatusBadRequest, "M_INVALID_PARAM", "%v", err)
	}
	block := matrix.Object{"mxid": mxid, "sender": inv.Sender, "token": token}
	if err := signer.SignJSON(block); err != nil {
		return mockhttp.ErrorReply(http.StatusInternalServerError, "M_UNKNOWN", "%v", err)
	}
	return mockhttp.JSONReply(http.StatusOK, map[string]any(block))
}

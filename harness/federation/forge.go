package federation

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"herald/harness/matrix"
)

// Forged events and requests, for the specs of what a homeserver must
// refuse: each differs from a valid one in exactly the way its name says
// and is otherwise hashed and signed as the mock signs everything.

// WithCorruptSignature is ev with s's signature on it changed in one bit:
// every field is as s signed it, but the signature no longer verifies
// under s's key.
func (s *Server) WithCorruptSignature(ev *Event) (*Event, error) {
	out := ev.Clone()
	sigs, _ := out.Fields.GetObject("signatures")
	mine, _ := sigs.GetObject(s.Name())
	sig, ok := mine[s.KeyID()].(string)
	if !ok {
		return nil, fmt.Errorf("federation: %s carries no signature of %s with %s to corrupt", ev, s.Name(), s.KeyID())
	}
	raw, err := matrix.DecodeBase64(sig)
	if err != nil {
		return nil, fmt.Errorf("federation: the signature of %s on %s: %w", s.Name(), ev, err)
	}
	raw[0] ^= 1
	mine[s.KeyID()] = matrix.EncodeBase64(raw)
	return out, nil
}

// WithoutSignature is ev without s's signatures (its signatures object is
// left empty when s was the only signer): an event its sender's server
// never signed.
func (s *Server) WithoutSignature(ev *Event) *Event {
	out := ev.Clone()
	sigs, _ := out.Fields.GetObject("signatures")
	delete(sigs, s.Name())
	return out
}

// WithContentChangedAfterSigning is ev with extra fields put into its
// content after it was hashed and signed, as if changed on its way: its
// signatures still verify and its ID (where the room version derives it)
// still holds, since both cover only the redacted event, but its content
// hash no longer matches its content.
func WithContentChangedAfterSigning(ev *Event, extra map[string]any) *Event {
	out := ev.Clone()
	content, _ := out.Fields.GetObject("content")
	if content == nil {
		content = matrix.Object{}
		out.Fields["content"] = map[string]any(content)
	}
	for k, v := range extra {
		content[k] = v
	}
	return out
}

// WithLaxContent is ev with extra fields in its content, hashed and signed
// again by s over lax canonical JSON, as a careless sender would: the
// fields may hold numbers strict canonical JSON forbids (floats, integers
// beyond ±(2^53−1)), which then go out as they are. In a room version
// that requires strict canonical JSON only those numbers are wrong with
// the event; in the others it is valid. Its ID follows from the new
// fields where the room version derives it.
func (s *Server) WithLaxContent(ev *Event, extra map[string]any) (*Event, error) {
	obj := ev.Fields.Clone()
	content, _ := obj.GetObject("content")
	if content == nil {
		content = matrix.Object{}
		obj["content"] = map[string]any(content)
	}
	for k, v := range extra {
		content[k] = v
	}
	delete(obj, "hashes")
	delete(obj, "signatures")
	lax := ev.Version
	lax.StrictCanonicalJSON = false
	if err := s.Signer().HashAndSignEvent(lax, obj); err != nil {
		return nil, fmt.Errorf("federation: signing %s with extra content: %w", ev, err)
	}
	out, err := NewEventFromObject(lax, obj)
	if err != nil {
		return nil, err
	}
	out.Version = ev.Version
	return out, nil
}

// SendForgedInvite sends body as the invite request for eventID in roomID
// over route (InviteV1 or InviteV2): a JSON value is encoded as lax
// canonical JSON, so forged numbers go out as they are; a []byte is sent
// byte for byte. Unlike SendInviteV2 it neither checks the answer nor
// applies anything to the mock's room: it is for invites the homeserver
// must refuse.
func (s *Server) SendForgedInvite(ctx context.Context, route Route, roomID, eventID string, body any, opts ...RequestOption) (*Response, error) {
	var api string
	switch route {
	case InviteV1:
		api = "v1"
	case InviteV2:
		api = "v2"
	default:
		return nil, fmt.Errorf("federation: %s is not an invite route", route)
	}
	if b, ok := body.([]byte); ok && b == nil {
		body = nil // no body at all, not an empty one
	}
	target := "/_matrix/federation/" + api + "/invite/" + url.PathEscape(roomID) + "/" + url.PathEscape(eventID)
	return s.call(ctx, route, http.MethodPut, target, body, opts, nil)
}

// SendUnparsableInvite sends, over the v2 invite API, a body that is not
// JSON: the v2 body of an invite in a room of version rv, cut short inside
// its event. X-Matrix signs the parsed content, and there is none, so the
// request is signed as one without a body: a server that authenticates
// before it parses may answer 401.
func (s *Server) SendUnparsableInvite(ctx context.Context, rv matrix.RoomVersion, roomID, eventID string) (*Response, error) {
	cut := []byte(`{"room_version":"` + rv.ID + `","event":{`)
	return s.SendForgedInvite(ctx, InviteV2, roomID, eventID, cut, SignContent(nil))
}

// WithStateKey is ev with its state_key changed to stateKey, hashed and
// signed again by s (under a fresh ID): an event of s, valid in its format
// and signature, about another user than the one it was made for — a
// leave whose state_key is not its sender, say.
func (s *Server) WithStateKey(ev *Event, stateKey string) (*Event, error) {
	obj := ev.Fields.Clone()
	obj["state_key"] = stateKey
	delete(obj, "hashes")
	delete(obj, "signatures")
	delete(obj, "event_id") // signEvent gives v1/v2 events a fresh one
	out, err := s.signEvent(ev.Version, obj)
	if err != nil {
		return nil, fmt.Errorf("federation: %s with state_key %s: %w", ev, stateKey, err)
	}
	return out, nil
}

package federation

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"

	"herald/harness/matrix"
)

// authenticate verifies the X-Matrix authentication of an inbound request
// (server-server-api.md "Request Authentication") and records each check
// on the exchange: the header is present and parses, names a destination
// that is the mock, an origin that is the peer, and its signature verifies
// under the key the peer publishes. It returns the origin and whether all
// passed.
func (s *Server) authenticate(ctx context.Context, r *Request) (string, bool) {
	var headers []string
	for _, h := range r.HTTP.Header.Values("Authorization") {
		scheme, _, _ := strings.Cut(strings.TrimLeft(h, " \t"), " ")
		if strings.EqualFold(scheme, matrix.XMatrixScheme) {
			headers = append(headers, h)
		}
	}
	if len(headers) == 0 {
		r.Check("X-Matrix Authorization header present", matrix.ErrNoXMatrix)
		return "", false
	}
	ok := true
	check := func(name string, err error) {
		r.Check(name, err)
		ok = ok && err == nil
	}
	var origin string
	for _, h := range headers {
		x, err := matrix.ParseXMatrix(h)
		check("X-Matrix header parses", err)
		if err != nil {
			return "", false
		}
		origin = x.Origin
		var destErr error
		switch x.Destination {
		case s.Name():
		case "":
			destErr = fmt.Errorf("no destination parameter (senders MUST send it since v1.3)")
		default:
			destErr = fmt.Errorf("%w: %q, the mock is %q", matrix.ErrDestinationMismatch, x.Destination, s.Name())
		}
		check("X-Matrix destination is the mock", destErr)
		peer := s.Peer().Name
		var originErr error
		if x.Origin != peer {
			originErr = fmt.Errorf("origin %q is not the homeserver %q", x.Origin, peer)
		}
		check("X-Matrix origin is the homeserver", originErr)
	}
	if !ok {
		return origin, false
	}
	lookup := func(server, keyID string) (ed25519.PublicKey, error) { return s.keys.current(ctx, server, keyID) }
	_, err := matrix.VerifyHTTPRequest(r.HTTP, r.Body, s.Name(), lookup)
	check("X-Matrix signature verifies under a current key the homeserver publishes", err)
	return origin, ok
}

// eventCheck names the checks made on one received event.
type eventCheck struct {
	rv     matrix.RoomVersion
	event  matrix.Object
	wantID string // the event ID the request names ("" if none)
	room   string // the room ID the request names ("" if none)
}

// verifyEvent checks a received event per the room version: content hash,
// the signatures of every required signer (server-server-api.md
// "Validating hashes and signatures on received events"), the event ID
// (against the request's, if it names one) and the room ID. It records
// each check through note and returns the event ID and whether all
// passed.
func (s *Server) verifyEvent(ctx context.Context, c eventCheck, check func(string, error)) (string, bool) {
	ok := true
	rec := func(name string, err error) {
		check(name, err)
		ok = ok && err == nil
	}
	id, err := c.rv.EventID(c.event)
	label := "event " + id
	if err != nil {
		label = "event"
		rec("event ID can be computed", err)
	} else {
		rec(label+": event ID is well formed (room v"+c.rv.ID+")", c.rv.CheckEventIDFormat(id))
	}
	if c.wantID != "" && err == nil && id != c.wantID {
		rec(label+": event ID matches the request", fmt.Errorf("the request names %s, the event's ID is %s", c.wantID, id))
	}
	if roomID, _ := c.event.GetString("room_id"); c.room != "" && roomID != c.room {
		rec(label+": room ID matches the request", fmt.Errorf("the request names %s, the event has room_id %q", c.room, roomID))
	}
	rec(label+": content hash", c.rv.CheckContentHash(c.event))
	rec(label+": signatures", s.checkSignatures(ctx, c.rv, c.event))
	return id, ok
}

// checkSignatures verifies the signature of every server that must sign
// event: at least one ed25519 signature by a key of that server, and every
// such signature must verify. Keys must be valid at origin_server_ts in
// room versions that require it (v5+).
func (s *Server) checkSignatures(ctx context.Context, rv matrix.RoomVersion, event matrix.Object) error {
	signers, err := rv.RequiredSigners(event)
	if err != nil {
		return err
	}
	var errs []error
	for _, server := range signers {
		if err := s.checkSignatureOf(ctx, rv, event, server); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// VerifyPeerSignature checks event (in a room of version rv) as the mock
// checks an invite the peer countersigned: it carries an ed25519
// signature of the peer under a key the peer publishes, and every such
// signature verifies.
func (s *Server) VerifyPeerSignature(ctx context.Context, rv matrix.RoomVersion, event matrix.Object) error {
	return s.checkSignatureOf(ctx, rv, event, s.Peer().Name)
}

func (s *Server) checkSignatureOf(ctx context.Context, rv matrix.RoomVersion, event matrix.Object, server string) error {
	var ids []string
	for _, id := range matrix.SignatureKeyIDs(event, server) {
		if strings.HasPrefix(id, "ed25519:") {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return fmt.Errorf("no ed25519 signature by %s: %w", server, matrix.ErrMissingSignature)
	}
	ts, _ := event.GetInt("origin_server_ts")
	for _, id := range ids {
		key, keys, err := s.keys.lookup(ctx, server, id)
		if err != nil {
			return fmt.Errorf("signature of %s with %s: %w", server, id, err)
		}
		if err := rv.VerifyEventSignature(event, server, id, key); err != nil {
			return err
		}
		if rv.EnforceKeyValidity && keys != nil {
			if _, current := keys.VerifyKeys[id]; current && keys.ValidUntilTS < ts {
				return fmt.Errorf("signature of %s with %s: key valid until %d, event sent at %d (room v%s enforces key validity)", server, id, keys.ValidUntilTS, ts, rv.ID)
			}
			if old, ok := keys.OldVerifyKeys[id]; ok && old.ExpiredTS < ts {
				return fmt.Errorf("signature of %s with %s: key expired at %d, event sent at %d", server, id, old.ExpiredTS, ts)
			}
		}
	}
	return nil
}

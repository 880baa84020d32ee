package federation

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"herald/harness/matrix"
)

// verifies reports whether s's signature on ev verifies under s's key.
func verifies(s *Server, rv matrix.RoomVersion, ev matrix.Object) error {
	return rv.VerifyEventSignature(ev, s.Name(), s.KeyID(), s.Signer().PublicKey())
}

func TestWithCorruptSignatureNoLongerVerifies(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		s := start(t)
		ev := s.CreateRoom(rv, s.User("alice")).InviteEvent(s.User("alice"), "@bob:elsewhere")
		bad, err := s.WithCorruptSignature(ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := verifies(s, rv, bad.Fields); err == nil {
			t.Error("the corrupt signature still verifies")
		}
		if err := verifies(s, rv, ev.Fields); err != nil {
			t.Errorf("the original lost its valid signature: %v", err)
		}
		if err := rv.CheckContentHash(bad.Fields); err != nil {
			t.Errorf("only the signature should be wrong, but the content hash is too: %v", err)
		}
		if bad.ID != ev.ID {
			t.Errorf("the ID changed: %s, was %s", bad.ID, ev.ID)
		}
	})
	s := start(t)
	unsigned := s.WithoutSignature(s.CreateRoom(matrix.MustRoomVersion("10"), s.User("alice")).InviteEvent(s.User("alice"), "@bob:elsewhere"))
	if _, err := s.WithCorruptSignature(unsigned); err == nil {
		t.Error("an event the mock never signed has a signature to corrupt")
	}
}

func TestWithContentChangedAfterSigningFailsOnlyTheContentHash(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		s := start(t)
		ev := s.CreateRoom(rv, s.User("alice")).InviteEvent(s.User("alice"), "@bob:elsewhere")
		bad := WithContentChangedAfterSigning(ev, map[string]any{"reason": "changed on the way"})
		if err := rv.CheckContentHash(bad.Fields); err == nil {
			t.Error("the content hash still matches the changed content")
		}
		if err := rv.CheckContentHash(ev.Fields); err != nil {
			t.Errorf("the original's content hash no longer matches: %v", err)
		}
		if err := verifies(s, rv, bad.Fields); err != nil {
			t.Errorf("only the content hash should be wrong, but the signature is too: %v", err)
		}
		if again, err := NewEventFromObject(rv, bad.Fields); err != nil || again.ID != ev.ID {
			t.Errorf("the ID changed: %v (%v), was %s", again, err, ev.ID)
		}
		if content, _ := ev.Fields.GetObject("content"); content["reason"] != nil {
			t.Error("the original's content was changed too")
		}
	})
}

func TestWithoutSignatureLeavesNoneOfTheServer(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	s := start(t)
	ev := s.CreateRoom(rv, s.User("alice")).InviteEvent(s.User("alice"), "@bob:elsewhere")
	out := s.WithoutSignature(ev)
	if ids := matrix.SignatureKeyIDs(out.Fields, s.Name()); len(ids) != 0 {
		t.Errorf("still signed by %s with %v", s.Name(), ids)
	}
	if sigs, ok := out.Fields.GetObject("signatures"); !ok || len(sigs) != 0 {
		t.Errorf("signatures = %v, want an empty object", out.Fields["signatures"])
	}
	if err := verifies(s, rv, ev.Fields); err != nil {
		t.Errorf("the original lost its signature: %v", err)
	}
}

// The numbers strict canonical JSON forbids make the event invalid in
// the room versions that require it, and only there.
func TestWithLaxContentIsWrongOnlyWhereCanonicalJSONIsStrict(t *testing.T) {
	extra := map[string]any{"herald_float": json.Number("1.5"), "herald_big": json.Number("9007199254740992")}
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		s := start(t)
		ev := s.CreateRoom(rv, s.User("alice")).InviteEvent(s.User("alice"), "@bob:elsewhere")
		out, err := s.WithLaxContent(ev, extra)
		if err != nil {
			t.Fatal(err)
		}
		if out.Version.ID != rv.ID || out.Version.StrictCanonicalJSON != rv.StrictCanonicalJSON {
			t.Errorf("the event is now in room version %+v", out.Version)
		}
		for k := range extra {
			if !out.Content().Has(k) {
				t.Errorf("content lacks %s", k)
			}
		}
		lax := rv
		lax.StrictCanonicalJSON = false
		if err := lax.CheckContentHash(out.Fields); err != nil {
			t.Errorf("the content hash over lax canonical JSON: %v", err)
		}
		if err := verifies(s, lax, out.Fields); err != nil {
			t.Errorf("the signature over lax canonical JSON: %v", err)
		}
		strictErr := rv.CheckContentHash(out.Fields)
		if rv.StrictCanonicalJSON && strictErr == nil {
			t.Error("room version requires strict canonical JSON, yet the content hash checks")
		}
		if !rv.StrictCanonicalJSON && strictErr != nil {
			t.Errorf("a lax room version refuses the event: %v", strictErr)
		}
	})
}

// A forged invite goes out exactly as given: a JSON value as lax
// canonical JSON, bytes as they are.
func TestSendForgedInviteSendsTheBodyAsGiven(t *testing.T) {
	home, remote := pair(t, nil, []Option{AllowProblems()})
	body := map[string]any{"room_version": "10", "event": map[string]any{"content": map[string]any{"n": json.Number("1.5")}}}
	res, err := remote.SendForgedInvite(t.Context(), InviteV2, "!r:elsewhere", "$e", body)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := matrix.CanonicalJSONLax(body)
	if !bytes.Equal(res.Sent.Body, want) || res.Sent.URI != "/_matrix/federation/v2/invite/%21r:elsewhere/$e" {
		t.Errorf("sent %s %s, want the v2 invite path and %s", res.Sent.URI, res.Sent.Body, want)
	}
	raw := []byte(`{"not": "canonical"}`)
	res, err = remote.SendForgedInvite(t.Context(), InviteV1, "!r:elsewhere", "$e", raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Sent.Body, raw) || res.Sent.URI != "/_matrix/federation/v1/invite/%21r:elsewhere/$e" {
		t.Errorf("sent %s %s, want the v1 invite path and %s", res.Sent.URI, res.Sent.Body, raw)
	}
	if got := append(home.Journal.RequestsTo(InviteV1), home.Journal.RequestsTo(InviteV2)...); len(got) != 2 {
		t.Errorf("the peer saw %d invite requests, want 2", len(got))
	}
	if _, err := remote.SendForgedInvite(t.Context(), MakeJoin, "!r:elsewhere", "$e", nil); err == nil {
		t.Error("make_join accepted as an invite route")
	}
}

// The body is not JSON, and the X-Matrix signature covers a request
// without content.
func TestSendUnparsableInviteIsNotJSONAndSignedWithoutContent(t *testing.T) {
	_, remote := pair(t, nil, []Option{AllowProblems()})
	res, err := remote.SendUnparsableInvite(t.Context(), matrix.MustRoomVersion("10"), "!r:elsewhere", "$e")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := matrix.ParseJSON(res.Sent.Body); err == nil || len(res.Sent.Body) == 0 {
		t.Errorf("the body %q parses as JSON", res.Sent.Body)
	}
	x, err := matrix.ParseXMatrix(res.Sent.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	peer := remote.Peer().Name
	if err := matrix.VerifyRequest(x, http.MethodPut, res.Sent.URI, peer, nil, remote.Signer().PublicKey()); err != nil {
		t.Errorf("the signature does not verify as a request without content: %v", err)
	}
}

func TestWithStateKeyIsAValidEventAboutAnotherUser(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		s := start(t)
		alice := s.User("alice")
		room := s.CreateRoom(rv, alice)
		ev := room.MustEvent(ProtoEvent{Type: "m.room.member", StateKey: StateKey(alice), Sender: alice, Content: map[string]any{"membership": "leave"}})
		dave := s.User("dave")
		out, err := s.WithStateKey(ev, dave)
		if err != nil {
			t.Fatal(err)
		}
		if k, _ := out.StateKey(); k != dave {
			t.Errorf("state_key = %q, want %q", k, dave)
		}
		if k, _ := ev.StateKey(); k != alice {
			t.Errorf("the original's state_key changed to %q", k)
		}
		if out.Sender() != alice || out.Membership() != "leave" {
			t.Errorf("only the state_key should change: %s", out.GomegaString())
		}
		if err := verifies(s, rv, out.Fields); err != nil {
			t.Errorf("the event should be signed again: %v", err)
		}
		if err := rv.CheckContentHash(out.Fields); err != nil {
			t.Errorf("the event should be hashed again: %v", err)
		}
		if out.ID == ev.ID {
			t.Errorf("the event kept the original's ID %s", ev.ID)
		}
	})
}

// The forged leaves the resident specs send are each refused by a
// resident that validates send_leave (here a mock), which then still
// takes the invitee's genuine rejection.
func TestSendLeaveRefusesForgedLeaves(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		home, remote, room, alice := pairWithRoom(t, rv, JoinRule("invite"))
		carol, dave := home.User("carol"), home.User("dave")
		for _, invitee := range []string{carol, dave} {
			if res, err := remote.SendInviteV2(t.Context(), room.InviteEvent(alice, invitee)); err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("invite of %s: %v %v", invitee, err, res)
			}
		}
		template := func(make func() (*Response, error)) *Event {
			t.Helper()
			res, err := make()
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("template: %v %v", err, res)
			}
			ev, err := home.SignTemplate(res)
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
		leave := template(func() (*Response, error) { return home.MakeLeave(t.Context(), room.ID, carol) })
		join := template(func() (*Response, error) { return home.MakeJoin(t.Context(), room.ID, carol) })
		corrupt, err := home.WithCorruptSignature(leave)
		if err != nil {
			t.Fatal(err)
		}
		forDave, err := home.WithStateKey(leave, dave)
		if err != nil {
			t.Fatal(err)
		}
		for name, forged := range map[string]*Event{"corrupt signature": corrupt, "state_key not the sender": forDave, "membership join": join} {
			res, err := home.SendLeaveV2(t.Context(), forged)
			if err != nil || res.StatusCode < 400 || res.StatusCode >= 500 {
				t.Errorf("%s: want a 4xx, got %v %v", name, err, res)
			}
		}
		if room.Membership(carol) != "invite" || room.Membership(dave) != "invite" {
			t.Errorf("a forged leave changed the room: carol %q, dave %q", room.Membership(carol), room.Membership(dave))
		}
		if res, err := home.SendLeaveV2(t.Context(), leave); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("the genuine rejection after the forged ones: %v %v", err, res)
		}
		if room.Membership(carol) != "leave" {
			t.Errorf("carol is %q after her genuine rejection", room.Membership(carol))
		}
	})
}

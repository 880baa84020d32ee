package federation

import (
	"testing"

	"herald/harness/matrix"
)

// answerInvite has inviter send invited an invite, which invited answers
// with h; it returns the invite as sent and the event the answer carries.
// The inviter's own checks of the answer are not the point here.
func answerInvite(t *testing.T, h Handler, rv matrix.RoomVersion) (inviter, invited *Server, sent, returned matrix.Object) {
	t.Helper()
	invited, inviter = pair(t, []Option{Answer(InviteV2, h)}, []Option{AllowProblems()})
	ev := inviter.CreateRoom(rv, inviter.User("alice")).InviteEvent(inviter.User("alice"), invited.User("carol"))
	res, err := inviter.SendInviteV2(t.Context(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if p := invited.Journal.Problems(); len(p) > 0 {
		t.Fatalf("the invited mock failed: %v", p)
	}
	returned, err = res.Event()
	if err != nil {
		t.Fatalf("the answer %v: %v", res, err)
	}
	return inviter, invited, ev.Fields, returned
}

// Only the inviting server's signature breaks: the mock's own verifies.
func TestReturnUnderAnotherIDBreaksOnlyTheInvitersSignature(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		ids := make(chan string, 1) // moved is called on the mock's goroutine
		inviter, invited, sent, returned := answerInvite(t, ReturnUnderAnotherID(rv, func(id string) { ids <- id }), rv)
		var moved string
		select {
		case moved = <-ids:
		default: // never moved: the checks below say so
		}
		sentID, _ := rv.EventID(sent)
		gotID, err := rv.EventID(returned)
		if err != nil || gotID == sentID || gotID != moved {
			t.Errorf("returned ID %s (%v), sent %s, reported %s: want a new ID, reported", gotID, err, sentID, moved)
		}
		if err := verifies(invited, rv, returned); err != nil {
			t.Errorf("the mock's own signature: %v", err)
		}
		if err := verifies(inviter, rv, returned); err == nil {
			t.Error("the inviting server's signature still verifies")
		}
	})
}

func TestReturnUncountersignedCarriesNoSignatureOfTheMock(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	inviter, invited, sent, returned := answerInvite(t, ReturnUncountersigned(), rv)
	if ids := matrix.SignatureKeyIDs(returned, invited.Name()); len(ids) != 0 {
		t.Errorf("the mock's signature is still there: %v", ids)
	}
	if err := verifies(inviter, rv, returned); err != nil {
		t.Errorf("the inviting server's signature: %v", err)
	}
	sentID, _ := rv.EventID(sent)
	if gotID, _ := rv.EventID(returned); gotID != sentID {
		t.Errorf("returned %s, sent %s", gotID, sentID)
	}
}

func TestPublishedKeysVerifyTheMocksSignatures(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	s := start(t)
	keys, err := s.PublishedKeys()
	if err != nil {
		t.Fatal(err)
	}
	key, ok := keys.Key(s.KeyID())
	if !ok || keys.ServerName != s.Name() {
		t.Fatalf("the document of %s lists %v for %s", keys.ServerName, keyIDs(keys), s.KeyID())
	}
	ev := s.CreateRoom(rv, s.User("alice")).InviteEvent(s.User("alice"), "@bob:elsewhere")
	if err := rv.VerifyEventSignature(ev.Fields, s.Name(), s.KeyID(), key); err != nil {
		t.Errorf("the published key does not verify the mock's event: %v", err)
	}
}

// VerifyPeerSignature is the mock's own check of a countersignature: a
// peer's valid signature passes, a corrupt one or none does not.
func TestVerifyPeerSignature(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	home, remote := pair(t, nil, nil)
	ev := remote.CreateRoom(rv, remote.User("alice")).InviteEvent(remote.User("alice"), home.User("bob"))
	countersigned := ev.Clone()
	if err := home.Signer().SignEvent(rv, countersigned.Fields); err != nil {
		t.Fatal(err)
	}
	if err := remote.VerifyPeerSignature(t.Context(), rv, countersigned.Fields); err != nil {
		t.Errorf("a valid countersignature: %v", err)
	}
	corrupt, err := home.WithCorruptSignature(countersigned)
	if err != nil {
		t.Fatal(err)
	}
	for name, ev := range map[string]*Event{"corrupt": corrupt, "none": ev} {
		if err := remote.VerifyPeerSignature(t.Context(), rv, ev.Fields); err == nil {
			t.Errorf("%s: passes", name)
		}
	}
}

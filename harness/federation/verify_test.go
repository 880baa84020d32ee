package federation

import (
	"net/http"
	"net/url"
	"testing"

	"herald/harness/spec"
)

// invitePath is the v2 invite target for ev.
func invitePath(ev *Event) string {
	return "/_matrix/federation/v2/invite/" + url.PathEscape(ev.RoomID()) + "/" + url.PathEscape(ev.ID)
}

func inviteBody(t *testing.T, ev *Event) []byte {
	t.Helper()
	b, err := spec.CanonicalJSONLax(map[string]any{"room_version": ev.Version.ID, "event": map[string]any(ev.Fields)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInboundVerifierCatches sends requests that are wrong in one way each
// from one mock to the other, and expects the receiver to refuse them and
// record the right problem.
func TestInboundVerifierCatches(t *testing.T) {
	rv := spec.MustRoomVersion("10")
	cases := []struct {
		name    string
		status  int
		problem string
		send    func(t *testing.T, sender *Server, invite *Event) (*Response, error)
	}{
		{"a missing X-Matrix header", 401, "X-Matrix Authorization header present", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			return s.Raw(t.Context(), "PUT", invitePath(ev), inviteBody(t, ev), Unsigned())
		}},
		{"a bad signature", 401, "X-Matrix signature verifies", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			return s.Raw(t.Context(), "PUT", invitePath(ev), inviteBody(t, ev), CorruptSignature())
		}},
		{"a signature over another body", 401, "X-Matrix signature verifies", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			return s.Raw(t.Context(), "PUT", invitePath(ev), inviteBody(t, ev), SignContent([]byte(`{}`)))
		}},
		{"a wrong destination", 401, "X-Matrix destination is the mock", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			return s.Raw(t.Context(), "PUT", invitePath(ev), inviteBody(t, ev), ToDestination("elsewhere.example"))
		}},
		{"no destination", 401, "X-Matrix destination is the mock", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			return s.Raw(t.Context(), "PUT", invitePath(ev), inviteBody(t, ev), OmitDestination())
		}},
		{"a wrong origin", 401, "X-Matrix origin is the homeserver", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			return s.Raw(t.Context(), "PUT", invitePath(ev), inviteBody(t, ev), SignAs("impostor.example"))
		}},
		{"a garbled header", 401, "X-Matrix header parses", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			return s.Raw(t.Context(), "PUT", invitePath(ev), inviteBody(t, ev), Authorization(`X-Matrix origin=`))
		}},
		{"a tampered content hash", 400, "content hash", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			ev = ev.Clone()
			ev.Fields["content"].(map[string]any)["displayname"] = "changed after hashing"
			return s.SendInviteV2(t.Context(), ev)
		}},
		{"a tampered redacted field (signature)", 400, "signatures", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			ev = ev.Clone()
			ev.Fields["origin_server_ts"] = spec.Object{"n": 1}["n"]
			rv.AddContentHash(ev.Fields) // the hash is right again, the signature is not
			return s.SendInviteV2(t.Context(), ev)
		}},
		{"a wrong event ID in the path", 400, "event ID matches the request", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			other := ev.Clone()
			other.ID = "$" + "A123456789012345678901234567890123456789012"
			return s.Raw(t.Context(), "PUT", invitePath(other), inviteBody(t, ev))
		}},
		{"a wrong room ID in the path", 400, "room ID matches the request", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			other := ev.Clone()
			other.Fields["room_id"] = "!other:elsewhere"
			return s.Raw(t.Context(), "PUT", invitePath(other), inviteBody(t, ev))
		}},
		{"a non-invite membership", 400, "membership is invite", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			r := s.Room(ev.RoomID())
			leave := r.MustEvent(ProtoEvent{Type: "m.room.member", StateKey: StateKey(ev.Fields["state_key"].(string)), Sender: ev.Sender(), Content: map[string]any{"membership": "ban"}})
			return s.SendInviteV2(t.Context(), leave)
		}},
		{"malformed JSON", 401, "X-Matrix signature verifies", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			return s.Raw(t.Context(), "PUT", invitePath(ev), []byte(`{"room_version": "10", `), SignContent(nil))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			receiver, sender := pair(t, nil, nil)
			alice := sender.User("alice")
			room := sender.CreateRoom(rv, alice)
			res, err := c.send(t, sender, room.InviteEvent(alice, receiver.User("bob")))
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != c.status {
				t.Errorf("status %d, want %d\n%s", res.StatusCode, c.status, res)
			}
			hasProblem(t, receiver, c.problem)
			if res.StatusCode == 200 {
				t.Error("the receiver accepted it")
			}
		})
	}
}

func TestUnroutedRequestsAreJournaledNotFatal(t *testing.T) {
	home, remote := pair(t, nil, nil)
	res, err := remote.Raw(t.Context(), "GET", "/_matrix/federation/v1/no_such_thing", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusNotFound || res.Errcode() != "M_UNRECOGNIZED" {
		t.Errorf("want 404 M_UNRECOGNIZED, got %v", res)
	}
	reqs := home.Journal.RequestsTo(Unrouted)
	if len(reqs) != 1 || !reqs[0].Verified() {
		t.Errorf("the unrouted request should be journaled and verified: %v", reqs)
	}
	noProblems(t, home, remote)
}

func TestTransactionChecksEachPDU(t *testing.T) {
	home, remote := pair(t, nil, nil)
	rv := spec.MustRoomVersion("11")
	alice, bob := remote.User("alice"), home.User("bob")
	hosted := remote.CreateRoom(rv, alice)
	replica, err := home.JoinRoom(t.Context(), hosted.ID, bob)
	if err != nil {
		t.Fatal(err)
	}
	good := hosted.MustEvent(ProtoEvent{Type: "m.room.message", Sender: alice, Content: map[string]any{"body": "ok"}})
	bad := hosted.MustEvent(ProtoEvent{Type: "m.room.message", Sender: alice, Content: map[string]any{"body": "to be tampered with"}})
	bad.Fields["content"].(map[string]any)["body"] = "tampered"
	stranger := hosted.MustEvent(ProtoEvent{Type: "m.room.message", Sender: remote.User("mallory"), Content: map[string]any{"body": "not joined"}})
	res, err := remote.SendTransaction(t.Context(), []*Event{good, bad, stranger}, []map[string]any{{"edu_type": "m.typing", "content": map[string]any{}}})
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%v %v", err, res)
	}
	body, _ := res.Object()
	pdus, _ := body.GetObject("pdus")
	if r, _ := pdus.GetObject(good.ID); len(r) != 0 {
		t.Errorf("the good PDU got %v", r)
	}
	if r, _ := pdus.GetObject(bad.ID); r["error"] == nil {
		t.Errorf("the tampered PDU was accepted: %v", pdus)
	}
	if r, _ := pdus.GetObject(stranger.ID); r["error"] == nil {
		t.Errorf("the PDU from a non-member was accepted: %v", pdus)
	}
	if replica.Event(good.ID) == nil || replica.Event(bad.ID) != nil || replica.Event(stranger.ID) != nil {
		t.Error("the replica should hold exactly the good PDU")
	}
	hasProblem(t, home, "content hash")
	hasProblem(t, home, "passes the auth rules")
	// Retransmission: same answer, nothing applied twice.
	last := home.Journal.RequestsTo(SendTxn)
	again, err := remote.Raw(t.Context(), "PUT", last[len(last)-1].URI, last[len(last)-1].RequestBody)
	if err != nil || string(again.Body) != string(res.Body) {
		t.Errorf("a retransmitted transaction got a different answer: %v", again)
	}
}

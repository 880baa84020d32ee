package federation

import (
	"net/url"
	"strings"
	"testing"

	"herald/harness/matrix"
)

// invitePath is the v2 invite target for ev.
func invitePath(ev *Event) string {
	return "/_matrix/federation/v2/invite/" + url.PathEscape(ev.RoomID()) + "/" + url.PathEscape(ev.ID)
}

func inviteBody(t *testing.T, ev *Event) []byte {
	t.Helper()
	b, err := matrix.CanonicalJSONLax(map[string]any{"room_version": ev.Version.ID, "event": map[string]any(ev.Fields)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInboundVerifierCatches sends requests that are wrong in one way each
// from one mock to the other, and expects the receiver to refuse them and
// record the right problem.
func TestInboundVerifierCatches(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
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
		{"another destination in the header only", 401, "X-Matrix destination is the mock", func(t *testing.T, s *Server, ev *Event) (*Response, error) {
			return s.Raw(t.Context(), "PUT", invitePath(ev), inviteBody(t, ev), NamingDestination("elsewhere.example"))
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
			ev.Fields["origin_server_ts"] = matrix.Object{"n": 1}["n"]
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
			receiver, sender, room, alice := pairWithRoom(t, rv)
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

// TestUnknownEndpointsAreProblems: a request no route matches is answered
// 404 M_UNRECOGNIZED and is a problem; it is authenticated wherever it
// goes, so one without a valid X-Matrix header gets 401 first.
func TestUnknownEndpointsAreProblems(t *testing.T) {
	for _, c := range []struct {
		name, method, path string
		opts               []RequestOption
		status             int
		errcode, problem   string
	}{
		{"a federation path", "GET", "/_matrix/federation/v1/no_such_thing", nil, 404, "M_UNRECOGNIZED", "the endpoint is one the spec defines"},
		{"a path outside /_matrix/federation/", "GET", "/_matrix/media/v3/download/x/y", nil, 404, "M_UNRECOGNIZED", "the endpoint is one the spec defines"},
		{"a known path with another method", "POST", "/_matrix/federation/v1/version", nil, 405, "M_UNRECOGNIZED", "the endpoint is one the spec defines"},
		{"an unsigned request outside /_matrix/federation/", "GET", "/_matrix/client/versions", []RequestOption{Unsigned()}, 401, "M_UNAUTHORIZED", "X-Matrix Authorization header present"},
		{"a badly signed request outside /_matrix/federation/", "GET", "/_matrix/media/v3/config", []RequestOption{CorruptSignature()}, 401, "M_UNAUTHORIZED", "X-Matrix signature verifies"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			home, remote := pair(t, nil, nil)
			res, err := remote.Raw(t.Context(), c.method, c.path, nil, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != c.status || res.Errcode() != c.errcode {
				t.Errorf("want %d %s, got %v", c.status, c.errcode, res)
			}
			if reqs := home.Journal.RequestsTo(Unrouted); len(reqs) != 1 {
				t.Errorf("the request should be journaled as unrouted: %v", home.Journal.Requests())
			}
			hasProblem(t, home, c.problem)
			noProblems(t, remote)
		})
	}
}

func TestTransactionChecksEachPDU(t *testing.T) {
	home, remote := pair(t, nil, nil)
	rv := matrix.MustRoomVersion("11")
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
	res, err := remote.SendTransaction(t.Context(), []*Event{good, bad, stranger}, []map[string]any{{"edu_type": "m.typing", "content": map[string]any{"room_id": hosted.ID, "user_id": alice, "typing": true}}})
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

// TestTransactionEDUsAreJudged: EDUs of the tolerated kinds, well formed,
// pass; an EDU of another type, one missing what its schema requires, one
// about another server's user and a PDU for a room the mock is not in are
// problems.
func TestTransactionEDUsAreJudged(t *testing.T) {
	rv := matrix.MustRoomVersion("11")
	good := func(s *Server) []map[string]any {
		return []map[string]any{
			{"edu_type": "m.presence", "content": map[string]any{"push": []any{map[string]any{"user_id": s.User("alice"), "presence": "online", "last_active_ago": 5}}}},
			{"edu_type": "m.typing", "content": map[string]any{"room_id": "!r:x", "user_id": s.User("alice"), "typing": true}},
			{"edu_type": "m.receipt", "content": map[string]any{"!r:x": map[string]any{"m.read": map[string]any{s.User("alice"): map[string]any{"event_ids": []any{"$e"}, "data": map[string]any{"ts": 1}}}}}},
			{"edu_type": "m.device_list_update", "content": map[string]any{"user_id": s.User("alice"), "device_id": "D", "stream_id": 1}},
			{"edu_type": "m.signing_key_update", "content": map[string]any{"user_id": s.User("alice")}},
		}
	}
	cases := []struct {
		name    string
		edus    func(s *Server) []map[string]any
		foreign bool // also send a PDU of a room the receiver is not in
		problem string
	}{
		{"tolerated EDUs", good, false, ""},
		{"an EDU type nobody allowed", func(*Server) []map[string]any {
			return []map[string]any{{"edu_type": "org.example.chatter", "content": map[string]any{}}}
		}, false, "edu 0 (org.example.chatter)"},
		{"an EDU without content", func(*Server) []map[string]any { return []map[string]any{{"edu_type": "m.typing"}} }, false, "edu 0 (m.typing)"},
		{"typing without its typing flag", func(s *Server) []map[string]any {
			return []map[string]any{{"edu_type": "m.typing", "content": map[string]any{"room_id": "!r:x", "user_id": s.User("alice")}}}
		}, false, "edu 0 (m.typing)"},
		{"presence of another server's user (judged by FED-PRESENCE)", func(*Server) []map[string]any {
			return []map[string]any{{"edu_type": "m.presence", "content": map[string]any{"push": []any{map[string]any{"user_id": "@eve:elsewhere", "presence": "online", "last_active_ago": 1}}}}}
		}, false, "FED-PRESENCE"},
		{"presence that is none of the three (judged by FED-PRESENCE)", func(s *Server) []map[string]any {
			return []map[string]any{{"edu_type": "m.presence", "content": map[string]any{"push": []any{map[string]any{"user_id": s.User("alice"), "presence": "", "last_active_ago": 1}}}}}
		}, false, "FED-PRESENCE"},
		{"a receipt with two event IDs", func(s *Server) []map[string]any {
			return []map[string]any{{"edu_type": "m.receipt", "content": map[string]any{"!r:x": map[string]any{"m.read": map[string]any{s.User("alice"): map[string]any{"event_ids": []any{"$a", "$b"}, "data": map[string]any{"ts": 1}}}}}}}
		}, false, "edu 0 (m.receipt)"},
		{"a PDU for a room the receiver is not in", func(*Server) []map[string]any { return nil }, true, "pdu 0: is for a room the mock is in"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			home, remote := pair(t, nil, nil)
			var pdus []*Event
			if c.foreign {
				room := remote.CreateRoom(rv, remote.User("alice"))
				pdus = append(pdus, room.MustEvent(ProtoEvent{Type: "m.room.message", Sender: remote.User("alice"), Content: map[string]any{"body": "hi"}}))
			}
			res, err := remote.SendTransaction(t.Context(), pdus, c.edus(remote))
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("%v %v", err, res)
			}
			if c.problem == "" {
				noProblems(t, home)
				return
			}
			if !strings.HasPrefix(c.problem, "FED-") {
				hasProblem(t, home, c.problem)
				return
			}
			// Judged by its own spec: journaled, not a problem here.
			noProblems(t, home)
			if len(home.Journal.Deferred(c.problem)) == 0 {
				t.Errorf("no failed check left for %s to judge:\n%s", c.problem, home.Journal.Transcript())
			}
		})
	}
}

package federation

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"herald/harness/matrix"
	"herald/harness/mockhttp/mocktest"
)

// FuzzTransaction feeds arbitrary transaction bodies to the inbound
// transaction parser: it must never panic, and must never accept a PDU
// into the mock's room without it passing the checks. Seeds are real
// transactions of the mock's own rooms.
func FuzzTransaction(f *testing.F) {
	s, err := Start(f.Context(), mocktest.Env(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	for _, v := range []string{"1", "3", "10", "12"} {
		rv := matrix.MustRoomVersion(v)
		alice := s.User("alice")
		room := s.CreateRoom(rv, alice)
		ev := room.MustEvent(ProtoEvent{Type: "m.room.message", Sender: alice, Content: map[string]any{"body": "seed"}})
		body, _ := matrix.CanonicalJSONLax(map[string]any{
			"origin": s.Name(), "origin_server_ts": 1, "pdus": []any{map[string]any(ev.Fields)},
			"edus": []any{map[string]any{"edu_type": "m.typing", "content": map[string]any{}}},
		})
		f.Add(body)
	}
	f.Add([]byte(`{"origin":"x","pdus":[1,null,"",[],{}],"edus":{}}`))
	f.Add([]byte(`{"pdus":[{"room_id":7,"prev_events":[[1]],"auth_events":"x"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res := s.receiveTransaction(t.Context(), data, s.Name())
		for id, msg := range res.PDUs {
			if msg != "" {
				continue
			}
			// Accepted: it must be a verified event of a room the mock is in.
			ev := s.findEvent(id)
			if ev == nil {
				t.Fatalf("accepted %s but the mock does not hold it", id)
			}
			if err := ev.Version.CheckContentHash(ev.Fields); err != nil {
				t.Fatalf("accepted %s with a bad hash: %v", id, err)
			}
		}
	})
}

// FuzzInboundInvite sends arbitrary bodies, properly signed over X-Matrix,
// to the mock's v1 and v2 invite endpoints over HTTPS, as a homeserver
// would. Whatever arrives, the mock must answer (never panic), journal the
// exact bytes it got, fail a check for anything a homeserver must not send,
// and countersign only an invite that passed every check.
//
// Inputs name the two servers as HOME (the mock receiving) and REMOTE
// (standing in for the homeserver), replaced by the running mocks' names,
// so a corpus carries over between processes. With resign set, an input
// that parses has its event re-hashed and re-signed by REMOTE first: the
// mutations then get past the signature checks to the invite rules.
func FuzzInboundInvite(f *testing.F) {
	home, remote := pair(f, nil, nil)
	placeholders := func(b []byte) []byte {
		b = bytes.ReplaceAll(b, []byte(home.Name()), []byte("HOME"))
		return bytes.ReplaceAll(b, []byte(remote.Name()), []byte("REMOTE"))
	}
	alice, bob := remote.User("alice"), home.User("bob")
	for _, v := range []string{"1", "3", "10", "12"} {
		rv := matrix.MustRoomVersion(v)
		room := remote.CreateRoom(rv, alice)
		invite := room.InviteEvent(alice, bob)
		v2, _ := matrix.CanonicalJSONLax(map[string]any{
			"room_version": rv.ID, "event": map[string]any(invite.Fields),
			"invite_room_state": []any{map[string]any{"type": "m.room.name", "state_key": "", "sender": alice, "content": map[string]any{"name": "seed"}}},
		})
		v1, _ := matrix.CanonicalJSONLax(map[string]any(invite.Fields))
		roomID, eventID := string(placeholders([]byte(room.ID))), string(placeholders([]byte(invite.ID)))
		f.Add(true, false, roomID, eventID, placeholders(v2))
		f.Add(false, false, roomID, eventID, placeholders(v1))
		f.Add(true, true, roomID, eventID, placeholders(v2))
	}
	f.Add(true, true, "!r:REMOTE", "$e", []byte(`{"room_version":"10","event":{"type":"m.room.member","sender":"@a:REMOTE","state_key":"@b:HOME","content":{"membership":"invite"}}}`))
	f.Add(true, false, "!r:x", "$e", []byte(`{"room_version":12,"event":[]}`))
	f.Add(false, false, "!r:x", "$e", []byte(`{"unsigned":{"invite_room_state":{"a":1}},"hashes":null,"depth":1e400}`))
	f.Add(false, false, "!r:x", "$e", []byte("\xff\xfe{"))

	runs, fresh := 0, false // fresh: the pair is ours to close (pair's cleanup closes the first)
	f.Fuzz(func(t *testing.T, v2, resign bool, roomID, eventID string, data []byte) {
		for _, id := range []string{roomID, eventID} {
			if id == "" || id == "." || id == ".." || !utf8.ValidString(id) {
				t.Skip() // not an ID a homeserver sends: empty, a dot segment, not text
			}
		}
		// The journals grow with every run: start afresh now and then.
		if runs++; runs%500 == 0 {
			if fresh {
				home.Close()
				remote.Close()
			}
			home, remote, fresh = freshPair(t)
		}
		names := strings.NewReplacer("HOME", home.Name(), "REMOTE", remote.Name())
		roomID, eventID = names.Replace(roomID), names.Replace(eventID)
		data = []byte(names.Replace(string(data)))
		if resign {
			data = resigned(remote, v2, data)
		}
		version := "v1"
		if v2 {
			version = "v2"
		}
		target := "/_matrix/federation/" + version + "/invite/" + url.PathEscape(roomID) + "/" + url.PathEscape(eventID)
		var opts []RequestOption
		if _, err := matrix.ParseJSON(data); err != nil {
			opts = append(opts, SignContent(nil)) // X-Matrix cannot sign a body that is not JSON
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		res, err := remote.Raw(ctx, http.MethodPut, target, data, opts...)
		if err != nil {
			t.Fatalf("no answer from the mock: %v", err)
		}
		ex, ok := lastInbound(home)
		if !ok || ex.URI != target {
			t.Fatalf("the mock journaled no request for %s (status %d)", target, res.StatusCode)
		}
		if !bytes.Equal(ex.RequestBody, data) {
			t.Fatalf("the journal holds %q, the homeserver sent %q", ex.RequestBody, data)
		}
		if ex.Route == Unrouted {
			return // an ID the path cannot carry: a plain 404
		}
		for _, c := range ex.Failed() {
			if c.Name == "the mock's handler" {
				t.Fatalf("the mock's handler failed: %v", c.Err)
			}
		}
		failed := len(ex.Failed()) > 0
		switch {
		case res.StatusCode == http.StatusOK && failed:
			t.Fatalf("countersigned an invite that failed a check:\n%s", ex.Render())
		case res.StatusCode == http.StatusOK:
			got, err := matrix.ParseObject(data)
			if v2 && err == nil {
				got, _ = got.GetObject("event")
			}
			if got == nil {
				t.Fatalf("200 for a body that is not an invite: %q", data)
			}
		case !failed && res.StatusCode != http.StatusBadRequest:
			t.Fatalf("refused with %d but recorded no failed check:\n%s", res.StatusCode, ex.Render())
		}
	})
}

// resigned re-hashes and re-signs the invite in an invite body as signer
// would, when the body parses far enough; otherwise it returns data as is.
func resigned(signer *Server, v2 bool, data []byte) []byte {
	body, err := matrix.ParseObject(data)
	if err != nil {
		return data
	}
	event, rv := body, matrix.MustRoomVersion("1")
	if v2 {
		ver, _ := body.GetString("room_version")
		known, ok := matrix.LookupRoomVersion(ver)
		if event, _ = body.GetObject("event"); event == nil || !ok {
			return data
		}
		rv = known
	}
	delete(event, "signatures")
	if signer.Signer().HashAndSignEvent(rv, event) != nil {
		return data
	}
	if v2 {
		body["event"] = map[string]any(event)
	}
	out, err := matrix.CanonicalJSONLax(map[string]any(body))
	if err != nil {
		return data
	}
	return out
}

// freshPair is pair for use inside a fuzz target, where the pair outlives
// the run that made it (the next fresh pair closes it).
func freshPair(t *testing.T) (home, remote *Server, fresh bool) {
	var err error
	if home, err = Start(context.Background(), mocktest.Env(t)); err != nil {
		t.Fatal(err)
	}
	if remote, err = Start(context.Background(), mocktest.Env(t)); err != nil {
		t.Fatal(err)
	}
	home.Federate(remote.AsPeer())
	remote.Federate(home.AsPeer())
	return home, remote, true
}

// lastInbound is the newest request s received.
func lastInbound(s *Server) (Exchange, bool) {
	reqs := s.Journal.Requests()
	if len(reqs) == 0 {
		return Exchange{}, false
	}
	return reqs[len(reqs)-1], true
}

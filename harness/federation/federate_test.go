package federation

import (
	"net/http"
	"net/http/httptrace"
	"testing"

	"herald/harness/matrix"
)

func TestFetchKeysVerifiesThePeersDocument(t *testing.T) {
	home, remote := pair(t, nil, nil)
	keys, res, err := remote.FetchKeys(t.Context())
	if err != nil {
		t.Fatalf("%v\n%v", err, res)
	}
	if keys.ServerName != home.Name() {
		t.Errorf("server_name %q, want %q", keys.ServerName, home.Name())
	}
	if _, ok := keys.VerifyKeys[home.KeyID()]; !ok {
		t.Errorf("verify_keys lack %s: %v", home.KeyID(), keys.VerifyKeys)
	}
	if sent := remote.Journal.Sent(); len(sent) != 1 || sent[0].Route != KeyServer || !sent[0].Verified() {
		t.Errorf("the journal should hold one verified key fetch: %v", sent)
	}
	noProblems(t, home, remote)
}

func TestInviteV2RoundTrip(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		home, remote, room, alice := pairWithRoom(t, rv)
		bob := home.User("bob")
		invite := room.InviteEvent(alice, bob)

		res, err := remote.SendInviteV2(t.Context(), invite)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("invite: %v\n%v", err, res)
		}
		got, err := res.Event()
		if err != nil {
			t.Fatal(err)
		}
		if err := rv.VerifyEventSignature(got, home.Name(), home.KeyID(), home.Signer().PublicKey()); err != nil {
			t.Errorf("the returned invite is not countersigned: %v", err)
		}
		if id, _ := rv.EventID(got); id != invite.ID {
			t.Errorf("the event ID changed: %s → %s", invite.ID, id)
		}
		if m := room.Membership(bob); m != "invite" {
			t.Errorf("the host's room has %s as %q, want invite", bob, m)
		}
		invites := home.ReceivedInvites()
		if len(invites) != 1 || !invites[0].Valid || invites[0].API != InviteV2 || invites[0].RoomVersion != rv.ID {
			t.Errorf("received invites: %+v", invites)
		}
		if len(invites) == 1 && len(invites[0].InviteRoomState) == 0 {
			t.Error("no invite_room_state arrived")
		}
		noProblems(t, home, remote)
	})
}

func TestInviteV1RoundTrip(t *testing.T) {
	for _, v := range []string{"1", "2"} {
		t.Run("v"+v, func(t *testing.T) {
			rv := matrix.MustRoomVersion(v)
			home, remote, room, alice := pairWithRoom(t, rv)
			invite := room.InviteEvent(alice, home.User("bob"))
			res, err := remote.SendInviteV1(t.Context(), invite)
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("invite: %v\n%v", err, res)
			}
			v, _ := res.JSON()
			arr, ok := v.([]any)
			if !ok || len(arr) != 2 || arr[0].(interface{ String() string }).String() != "200" {
				t.Errorf("v1 answer is not [200, {…}]: %s", res.Body)
			}
			if room.Membership(home.User("bob")) != "invite" {
				t.Error("the countersigned invite was not applied")
			}
			noProblems(t, home, remote)
		})
	}
}

func TestJoinMessageAndLeave(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		home, remote := pair(t, nil, nil)
		alice, bob := remote.User("alice"), home.User("bob")
		hosted := remote.CreateRoom(rv, alice)

		replica, err := home.JoinRoom(t.Context(), hosted.ID, bob)
		if err != nil {
			t.Fatalf("%v\n%s", err, home.Journal.Transcript())
		}
		if hosted.Membership(bob) != "join" || replica.Membership(bob) != "join" {
			t.Fatalf("bob's membership: host %q, replica %q", hosted.Membership(bob), replica.Membership(bob))
		}
		if len(replica.State()) != len(hosted.State()) {
			t.Errorf("replica has %d state events, host %d", len(replica.State()), len(hosted.State()))
		}

		msg, err := hosted.Send(t.Context(), ProtoEvent{Type: "m.room.message", Sender: alice, Content: map[string]any{"msgtype": "m.text", "body": "hello"}})
		if err != nil {
			t.Fatal(err)
		}
		if replica.Event(msg.ID) == nil {
			t.Errorf("the replica did not get %s", msg)
		}

		if _, err := replica.Leave(t.Context(), bob); err != nil {
			t.Fatal(err)
		}
		if hosted.Membership(bob) != "leave" {
			t.Errorf("after leaving, the host has bob as %q", hosted.Membership(bob))
		}
		noProblems(t, home, remote)
	})
}

func TestRejectInviteThroughMakeLeave(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		home, remote, room, alice := pairWithRoom(t, rv, JoinRule("invite"))
		carol := home.User("carol")
		if res, err := remote.SendInviteV2(t.Context(), room.InviteEvent(alice, carol)); err != nil || res.StatusCode != 200 {
			t.Fatalf("invite: %v %v", err, res)
		}
		if err := home.RejectInvite(t.Context(), room.ID, carol); err != nil {
			t.Fatal(err)
		}
		if m := room.Membership(carol); m != "leave" {
			t.Errorf("carol is %q after rejecting", m)
		}
		if len(remote.Journal.RequestsTo(MakeLeave)) != 1 || len(remote.Journal.RequestsTo(SendLeaveV2)) != 1 {
			t.Errorf("expected one make_leave and one send_leave v2:\n%s", remote.Journal.Transcript())
		}
		noProblems(t, home, remote)
	})
}

func TestAcceptInviteToInviteOnlyRoom(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		home, remote, room, alice := pairWithRoom(t, rv, JoinRule("invite"))
		dave := home.User("dave")

		// Not invited yet: make_join is refused by the auth rules.
		res, err := home.MakeJoin(t.Context(), room.ID, dave)
		if err != nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("make_join before the invite: want 403, got %v %v", err, res)
		}
		if _, err := remote.SendInviteV2(t.Context(), room.InviteEvent(alice, dave)); err != nil {
			t.Fatal(err)
		}
		if _, err := home.JoinRoom(t.Context(), room.ID, dave); err != nil {
			t.Fatal(err)
		}
		if room.Membership(dave) != "join" {
			t.Errorf("dave is %q", room.Membership(dave))
		}
		noProblems(t, home, remote)
	})
}

func TestStateEndpointsServeTheHostedRoom(t *testing.T) {
	home, remote := pair(t, nil, nil)
	rv := matrix.MustRoomVersion("10")
	alice := remote.User("alice")
	room := remote.CreateRoom(rv, alice)
	msg, err := room.NewEvent(ProtoEvent{Type: "m.room.message", Sender: alice, Content: map[string]any{"body": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := room.Apply(msg); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	res, err := home.GetStateIDs(ctx, room.ID, msg.ID)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%v %v", err, res)
	}
	body, _ := res.Object()
	ids, _ := body.GetArray("pdu_ids")
	if len(ids) != len(room.State()) {
		t.Errorf("state_ids lists %d events, the room has %d state events", len(ids), len(room.State()))
	}
	res, _ = home.GetState(ctx, room.ID, msg.ID)
	body, _ = res.Object()
	if pdus, _ := body.GetArray("pdus"); len(pdus) != len(ids) {
		t.Errorf("/state has %d pdus", len(pdus))
	}
	res, _ = home.GetEvent(ctx, msg.ID)
	body, _ = res.Object()
	if pdus, _ := body.GetArray("pdus"); res.StatusCode != 200 || len(pdus) != 1 {
		t.Errorf("/event: %v", res)
	}
	res, _ = home.Backfill(ctx, room.ID, 3, []string{msg.ID})
	body, _ = res.Object()
	if pdus, _ := body.GetArray("pdus"); len(pdus) != 3 {
		t.Errorf("/backfill limit 3 gave %d", len(pdus))
	}
	res, _ = home.Raw(ctx, "POST", "/_matrix/federation/v1/get_missing_events/"+room.ID,
		[]byte(`{"earliest_events":[],"latest_events":["`+msg.ID+`"],"limit":2}`))
	body, _ = res.Object()
	if evs, _ := body.GetArray("events"); res.StatusCode != 200 || len(evs) != 2 {
		t.Errorf("/get_missing_events limit 2: %v", res)
	}
	res, _ = home.GetEvent(ctx, "$nope")
	if res.StatusCode != 404 {
		t.Errorf("unknown event: %d", res.StatusCode)
	}
	noProblems(t, home, remote)
}

// Mocks of one process reach a peer over the same pool of connections: a
// new mock's first request reuses a connection an earlier mock opened.
func TestMocksShareConnectionsToTheirPeer(t *testing.T) {
	peer := start(t)
	first, second, other := start(t), start(t), start(t)
	first.Federate(peer.AsPeer())
	second.Federate(peer.AsPeer())
	other.Federate(first.AsPeer())
	reused := func(s *Server) bool {
		t.Helper()
		var got httptrace.GotConnInfo
		ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { got = i }})
		res, err := s.Raw(ctx, http.MethodGet, "/_matrix/federation/v1/version", nil)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s → version: %v, %v", s.Name(), res, err)
		}
		return got.Reused
	}
	if reused(first) {
		t.Error("the first request to the peer reused a connection")
	}
	if !reused(second) {
		t.Error("a second mock opened its own connection to the same peer")
	}
	if reused(other) {
		t.Error("a request to another peer reused a connection to the first")
	}
}

package federation

import (
	"net/http"
	"slices"
	"testing"

	"herald/harness/matrix"
)

// Room.Invite: a mock joined to a room of its peer invites one of the
// peer's users as a server in the room does.

// joinedPair runs a pair whose remote hosts a room of version rv, which
// home's user bob joined; replica is home's copy of it.
func joinedPair(t *testing.T, rv matrix.RoomVersion, remoteOpts ...Option) (home, remote *Server, hosted, replica *Room, bob string) {
	t.Helper()
	home, remote = pair(t, nil, remoteOpts)
	hosted = remote.CreateRoom(rv, remote.User("alice"))
	bob = home.User("bob")
	replica, err := home.JoinRoom(t.Context(), hosted.ID, bob)
	if err != nil {
		t.Fatalf("%v\n%s", err, home.Journal.Transcript())
	}
	return home, remote, hosted, replica, bob
}

func TestInviteFromAJoinedRoomIsBuiltOnItAndSentToTheRoom(t *testing.T) {
	for _, c := range []struct {
		api      Route
		versions []matrix.RoomVersion
	}{
		{InviteV2, matrix.KnownVersions()},
		{InviteV1, []matrix.RoomVersion{matrix.MustRoomVersion("1"), matrix.MustRoomVersion("2")}},
	} {
		for _, rv := range c.versions {
			t.Run(c.api.Name()+"/v"+rv.ID, func(t *testing.T) {
				t.Parallel()
				home, remote, hosted, replica, bob := joinedPair(t, rv)
				dave := remote.User("dave")
				tip := slices.Clone(replica.extremities)

				invite, res, err := replica.Invite(t.Context(), c.api, bob, dave)
				if err != nil || res.StatusCode != http.StatusOK {
					t.Fatalf("invite: %v\n%v", err, res)
				}
				if got := invite.PrevEvents(); !slices.Equal(got, tip) {
					t.Errorf("prev_events %v, want the replica's forward extremities %v", got, tip)
				}
				if err := hosted.Authorise(invite); err != nil {
					t.Errorf("the host's auth rules refuse the invite: %v", err)
				}
				if reqs := remote.Journal.RequestsTo(c.api); len(reqs) != 1 {
					t.Errorf("the peer got %d requests to %s, want 1", len(reqs), c.api.Name())
				}
				if m := replica.Membership(dave); m != "invite" {
					t.Errorf("the replica has dave as %q, want invite", m)
				}
				if m := hosted.Membership(dave); m != "invite" {
					t.Errorf("the host has dave as %q after the transaction, want invite", m)
				}
				if signed := hosted.Event(invite.ID); signed == nil || rv.VerifyEventSignature(signed.Fields, remote.Name(), remote.KeyID(), remote.Signer().PublicKey()) != nil {
					t.Error("the room got the invite without the peer's countersignature")
				}
				noProblems(t, home, remote)
			})
		}
	}
}

func TestARefusedInviteStaysOutOfTheRoom(t *testing.T) {
	home, remote, hosted, replica, bob := joinedPair(t, matrix.MustRoomVersion("10"),
		Answer(InviteV2, Status(http.StatusForbidden, "M_FORBIDDEN")))
	dave := remote.User("dave")

	invite, res, err := replica.Invite(t.Context(), InviteV2, bob, dave)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusForbidden || invite == nil {
		t.Fatalf("want the scripted 403 and the invite as sent, got %v, %v", invite, res)
	}
	if m := replica.Membership(dave); m != "leave" {
		t.Errorf("the replica has dave as %q after the refusal", m)
	}
	if txns := remote.Journal.RequestsTo(SendTxn); len(txns) != 0 {
		t.Errorf("a refused invite was sent to the room in %d transactions", len(txns))
	}
	if m := hosted.Membership(dave); m != "leave" {
		t.Errorf("the host has dave as %q", m)
	}
	noProblems(t, home, remote)
}

func TestInviteOverAnotherRouteIsAnError(t *testing.T) {
	_, remote, _, replica, bob := joinedPair(t, matrix.MustRoomVersion("10"))
	if _, _, err := replica.Invite(t.Context(), SendJoinV2, bob, remote.User("dave")); err == nil {
		t.Error("inviting over send_join is no error")
	}
	if n := len(remote.Journal.RequestsTo(InviteV1, InviteV2, SendJoinV2)); n != 1 { // the join's own send_join
		t.Errorf("the peer got %d invite or send_join requests, want only the join's", n)
	}
}

func TestHostIsTheServerNameWithoutThePort(t *testing.T) {
	s := start(t, Host("localhost"))
	if s.Name() == "localhost" || s.Host() != "localhost" {
		t.Errorf("Name %q, Host %q: want a name with a port and the host localhost", s.Name(), s.Host())
	}
}

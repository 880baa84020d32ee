package federation

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"herald/harness/matrix"
	"herald/harness/mockhttp/mocktest"
)

func TestEventFormatPerRoomVersion(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		s := start(t)
		alice := s.User("alice")
		room := s.CreateRoom(rv, alice)
		if err := rv.CheckRoomIDFormat(room.ID); err != nil {
			t.Error(err)
		}
		create := room.CreateEvent()
		if rv.RoomIDFromCreateEvent {
			if create.Fields.Has("room_id") {
				t.Error("a v12 create event must not have room_id")
			}
			if want, _ := rv.CreateEventRoomID(create.Fields); room.ID != want {
				t.Errorf("room ID %s, the create event gives %s", room.ID, want)
			}
		} else if create.RoomID() != room.ID {
			t.Errorf("create room_id %q", create.RoomID())
		}
		for _, ev := range room.Events() {
			if err := rv.CheckEventIDFormat(ev.ID); err != nil {
				t.Error(err)
			}
			if computed, err := rv.EventID(ev.Fields); err != nil || computed != ev.ID {
				t.Errorf("%s: computed ID %s, %v", ev, computed, err)
			}
			if rv.EventIDFormat == matrix.EventIDOpaque {
				if !strings.HasSuffix(ev.ID, ":"+s.Name()) {
					t.Errorf("v%s event ID %s is not on the mock's domain", rv.ID, ev.ID)
				}
			} else if ev.Fields.Has("event_id") {
				t.Errorf("v%s event carries event_id", rv.ID)
			}
			if has := ev.Fields.Has("origin"); has != rv.OriginProtected {
				t.Errorf("v%s event has origin: %t", rv.ID, has)
			}
			if err := rv.CheckContentHash(ev.Fields); err != nil {
				t.Error(err)
			}
			if err := rv.VerifyEventSignature(ev.Fields, s.Name(), s.KeyID(), s.Signer().PublicKey()); err != nil {
				t.Error(err)
			}
			refs, _ := ev.Fields.GetArray("auth_events")
			for _, r := range refs {
				_, pair := r.([]any)
				if pair != rv.EventRefPairs {
					t.Errorf("v%s auth_events entry %v: pair %t", rv.ID, r, pair)
				}
			}
			if rv.RoomIDFromCreateEvent && ev.Type() != "m.room.create" {
				for _, id := range ev.AuthEvents() {
					if id == create.ID {
						t.Errorf("v12 event %s lists the create event in auth_events", ev)
					}
				}
			}
		}
		if create.Content().Has("creator") != rv.CreatorInCreateContent {
			t.Errorf("v%s create content: %v", rv.ID, create.Content())
		}
		if len(room.InviteRoomState()) == 0 || room.InviteRoomState()[0].Type() != "m.room.create" {
			t.Error("invite_room_state must start with m.room.create")
		}
		if st := room.StrippedState(); len(st) != len(room.InviteRoomState()) || st[0].Has("signatures") {
			t.Errorf("stripped state: %v", st)
		}
	})
}

func TestAuthRules(t *testing.T) {
	eachVersion(t, func(t *testing.T, rv matrix.RoomVersion) {
		s := start(t)
		alice, bob, carol := s.User("alice"), s.User("bob"), s.User("carol")
		room := s.CreateRoom(rv, alice, JoinRule("invite"))
		member := func(sender, target, membership string) *Event {
			return room.MustEvent(ProtoEvent{Type: "m.room.member", StateKey: StateKey(target), Sender: sender, Content: map[string]any{"membership": membership}})
		}
		refuse := func(what string, ev *Event) {
			t.Helper()
			if err := room.Apply(ev); err == nil {
				t.Errorf("accepted %s", what)
			}
		}
		accept := func(what string, ev *Event) {
			t.Helper()
			if err := room.Apply(ev); err != nil {
				t.Errorf("refused %s: %v", what, err)
			}
		}
		refuse("a join to an invite-only room without an invite", member(bob, bob, "join"))
		refuse("a join on someone else's behalf", member(alice, bob, "join"))
		refuse("an invite by a non-member", member(carol, bob, "invite"))
		refuse("a message by a non-member", room.MustEvent(ProtoEvent{Type: "m.room.message", Sender: bob, Content: map[string]any{"body": "hi"}}))
		refuse("a leave by a non-member", member(bob, bob, "leave"))
		accept("an invite by the creator", member(alice, bob, "invite"))
		refuse("a ban by a non-member", member(bob, bob, "ban"))
		accept("the invitee's join", member(bob, bob, "join"))
		refuse("an invite of a joined user", member(alice, bob, "invite"))
		refuse("the name set by a user below state_default", room.MustEvent(ProtoEvent{Type: "m.room.name", StateKey: StateKey(""), Sender: bob, Content: map[string]any{"name": "x"}}))
		refuse("a kick of the creator by a plain member", member(bob, alice, "leave"))
		accept("a ban by the creator", member(alice, bob, "ban"))
		refuse("a join while banned", member(bob, bob, "join"))
		refuse("an invite of a banned user", member(alice, bob, "invite"))
		wrongAuth := member(alice, carol, "invite")
		wrongAuth.Fields["auth_events"] = []any{}
		refuse("an event whose auth_events lack the needed events", mustResign(t, s, wrongAuth))

		// The invite level: a joined member below it may not invite; in v12
		// a creator may, whatever the power levels say.
		guarded := s.CreateRoom(rv, alice, PowerLevels(map[string]any{"invite": 50}))
		join := guarded.MustEvent(ProtoEvent{Type: "m.room.member", StateKey: StateKey(carol), Sender: carol, Content: map[string]any{"membership": "join"}})
		if err := guarded.Apply(join); err != nil {
			t.Fatalf("carol joining the public room: %v", err)
		}
		invite := func(sender string) *Event {
			return guarded.MustEvent(ProtoEvent{Type: "m.room.member", StateKey: StateKey(bob), Sender: sender, Content: map[string]any{"membership": "invite"}})
		}
		if err := guarded.Authorise(invite(carol)); err == nil {
			t.Error("accepted an invite by a member (power level 0) below the invite level (50)")
		}
		if err := guarded.Authorise(invite(alice)); err != nil {
			t.Errorf("refused an invite by the creator (power level 100, or a v12 creator) at invite level 50: %v", err)
		}
	})
}

// mustResign hashes, signs and re-IDs an event after a change.
func mustResign(t *testing.T, s *Server, ev *Event) *Event {
	t.Helper()
	delete(ev.Fields, "signatures")
	out, err := s.signEvent(ev.Version, ev.Fields)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before, _ := goroutines()
	for range 3 {
		home, err := Start(t.Context(), mocktest.Env(t))
		if err != nil {
			t.Fatal(err)
		}
		remote, err := Start(t.Context(), Env{CA: mocktest.CA(t), Listen: mocktest.Loopback, Peer: home.AsPeer()})
		if err != nil {
			t.Fatal(err)
		}
		home.Federate(remote.AsPeer())
		room := remote.CreateRoom(matrix.MustRoomVersion("10"), remote.User("a"))
		if _, err := home.JoinRoom(t.Context(), room.ID, home.User("b")); err != nil {
			t.Fatal(err)
		}
		remote.Close()
		home.Close()
		if err := home.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	n, stacks := goroutines()
	for n > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		n, stacks = goroutines()
	}
	if n > before {
		t.Errorf("%d goroutines before, %d after closing:\n%s", before, n, stacks)
	}
}

// goroutines counts the running goroutines but those that keep closed
// mocks' ports retired (one each, by design: see mockhttp.Listener.Retire),
// and returns their stacks.
func goroutines() (int, string) {
	buf := make([]byte, 1<<20)
	for runtime.Stack(buf, true) == len(buf) { // cut short: every goroutine must be seen
		buf = make([]byte, 2*len(buf))
	}
	var kept []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(g, "retainedListener).retire") {
			kept = append(kept, g)
		}
	}
	return len(kept), strings.Join(kept, "\n\n")
}

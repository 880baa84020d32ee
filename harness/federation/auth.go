package federation

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"herald/harness/matrix"
)

// The authorisation rules of content/rooms/ (v1-auth-rules.md,
// v3-auth-rules.md, v8-auth-rules.md, v12.md), as far as the mock needs
// them to accept or refuse what a homeserver sends: event references,
// membership transitions with join rules, power levels for sending,
// third-party invites. Power level changes are not checked in detail.

// authState is the room state an event is authorised against: the events
// its auth_events name, by (type, state_key).
type authState map[stateKeyOf]*Event

func (a authState) get(typ, key string) *Event { return a[stateKeyOf{typ, key}] }

func (a authState) membership(user string) string {
	if m := a.get("m.room.member", user); m != nil {
		return m.Membership()
	}
	return "leave"
}

// selection is the (type, state_key) pairs auth_events may name for ev
// (server-server-api.md "Auth events selection").
func selection(rv matrix.RoomVersion, typ, sender string, stateKey *string, content matrix.Object) []stateKeyOf {
	keys := []stateKeyOf{{"m.room.power_levels", ""}, {"m.room.member", sender}}
	if !rv.RoomIDFromCreateEvent {
		keys = append([]stateKeyOf{{"m.room.create", ""}}, keys...)
	}
	if typ == "m.room.member" && stateKey != nil {
		keys = append(keys, stateKeyOf{"m.room.member", *stateKey})
		membership, _ := content.GetString("membership")
		if membership == "join" || membership == "invite" || membership == "knock" {
			keys = append(keys, stateKeyOf{"m.room.join_rules", ""})
		}
		if membership == "invite" {
			if tpi, ok := content.GetObject("third_party_invite"); ok {
				if signed, ok := tpi.GetObject("signed"); ok {
					if token, ok := signed.GetString("token"); ok {
						keys = append(keys, stateKeyOf{"m.room.third_party_invite", token})
					}
				}
			}
		}
		if membership == "join" && rv.RestrictedJoinRule {
			if via, ok := content.GetString("join_authorised_via_users_server"); ok {
				keys = append(keys, stateKeyOf{"m.room.member", via})
			}
		}
	}
	var out []stateKeyOf
	for _, k := range keys {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// authorise applies the auth rules to ev given the state named by its
// auth_events; create is the room's create event (nil while building a
// v12 room's create event).
func authorise(ev *Event, auth authState, create *Event) error {
	rv := ev.Version
	rejectf := func(format string, args ...any) error {
		return fmt.Errorf("auth rules (room v%s) reject %s: %s", rv.ID, ev, fmt.Sprintf(format, args...))
	}
	typ, sender := ev.Type(), ev.Sender()
	senderServer, _ := matrix.ServerNameOf(sender)

	// Rule 1: the create event.
	if typ == "m.room.create" {
		if len(ev.PrevEvents()) > 0 {
			return rejectf("a create event has prev_events")
		}
		if rv.RoomIDFromCreateEvent {
			if ev.Fields.Has("room_id") {
				return rejectf("a v12 create event has a room_id")
			}
		} else if server, _ := matrix.ServerNameOf(ev.RoomID()); server != senderServer {
			return rejectf("room_id %q is not on the sender's server %s", ev.RoomID(), senderServer)
		}
		if v, ok := ev.Content().GetString("room_version"); ok {
			if _, known := matrix.LookupRoomVersion(v); !known {
				return rejectf("unknown room_version %q", v)
			}
		}
		return nil
	}
	if create == nil {
		return rejectf("the room has no create event")
	}
	// Rule 2 (v12): the room ID is the create event's.
	if rv.RoomIDFromCreateEvent && ev.RoomID() != "!"+strings.TrimPrefix(create.ID, "$") {
		return rejectf("room_id %q is not derived from the create event %s", ev.RoomID(), create.ID)
	}
	// Rule 4: m.federate.
	if fed, ok := create.Content()["m.federate"].(bool); ok && !fed {
		if cs, _ := matrix.ServerNameOf(create.Sender()); cs != senderServer {
			return rejectf("the room does not federate and the sender is not on %s", cs)
		}
	}
	if typ == "m.room.member" {
		return authoriseMember(ev, auth, create, rejectf)
	}
	// Rule 6: the sender must be joined.
	if auth.membership(sender) != "join" {
		return rejectf("the sender's membership is %q, not join", auth.membership(sender))
	}
	if typ == "m.room.third_party_invite" {
		if powerLevel(rv, auth, create, sender) < level(auth, "invite", 0) {
			return rejectf("the sender's power level is below the invite level")
		}
		return nil
	}
	if required := eventLevel(auth, typ, ev.IsState()); powerLevel(rv, auth, create, sender) < required {
		return rejectf("sending %s needs power level %d, the sender has %d", typ, required, powerLevel(rv, auth, create, sender))
	}
	if k, ok := ev.StateKey(); ok && strings.HasPrefix(k, "@") && k != sender {
		return rejectf("state_key %q is another user's", k)
	}
	return nil
}

func authoriseMember(ev *Event, auth authState, create *Event, rejectf func(string, ...any) error) error {
	rv := ev.Version
	sender := ev.Sender()
	target, ok := ev.StateKey()
	membership, hasMembership := ev.Content().GetString("membership")
	if !ok || !hasMembership {
		return rejectf("no state_key or no content.membership")
	}
	joinRule := "invite"
	if jr := auth.get("m.room.join_rules", ""); jr != nil {
		joinRule, _ = jr.Content().GetString("join_rule")
	}
	senderPL, targetPL := powerLevel(rv, auth, create, sender), powerLevel(rv, auth, create, target)
	current := auth.membership(target)
	switch membership {
	case "join":
		prev := ev.PrevEvents()
		if len(prev) == 1 && prev[0] == create.ID && target == create.Sender() {
			return nil
		}
		if sender != target {
			return rejectf("a join whose sender is not its state_key")
		}
		if current == "ban" {
			return rejectf("the user is banned")
		}
		switch {
		case joinRule == "invite" || (joinRule == "knock" && rv.Knocking):
			if current == "invite" || current == "join" {
				return nil
			}
			return rejectf("join rule %q and membership %q", joinRule, current)
		case (joinRule == "restricted" && rv.RestrictedJoinRule) || (joinRule == "knock_restricted" && rv.KnockRestrictedJoinRule):
			if current == "invite" || current == "join" {
				return nil
			}
			via, _ := ev.Content().GetString("join_authorised_via_users_server")
			if via == "" || auth.membership(via) != "join" || powerLevel(rv, auth, create, via) < level(auth, "invite", 0) {
				return rejectf("restricted join without a joined authorising user who can invite")
			}
			return nil
		case joinRule == "public":
			return nil
		}
		return rejectf("join rule %q does not let %s join", joinRule, target)
	case "invite":
		if tpi, ok := ev.Content().GetObject("third_party_invite"); ok {
			return authoriseThirdPartyInvite(ev, tpi, auth, current, rejectf)
		}
		if m := auth.membership(sender); m != "join" {
			return rejectf("the inviter's membership is %q, not join", m)
		}
		if current == "join" || current == "ban" {
			return rejectf("the invitee's membership is %q", current)
		}
		if senderPL < level(auth, "invite", 0) {
			return rejectf("the inviter's power level %d is below the invite level", senderPL)
		}
		return nil
	case "leave":
		if sender == target {
			if current == "invite" || current == "join" || (current == "knock" && rv.Knocking) {
				return nil
			}
			return rejectf("leaving with membership %q", current)
		}
		if m := auth.membership(sender); m != "join" {
			return rejectf("the sender's membership is %q, not join", m)
		}
		if current == "ban" && senderPL < level(auth, "ban", 50) {
			return rejectf("unbanning needs the ban level")
		}
		if senderPL >= level(auth, "kick", 50) && targetPL < senderPL {
			return nil
		}
		return rejectf("kicking needs the kick level and a higher power level than the target")
	case "ban":
		if m := auth.membership(sender); m != "join" {
			return rejectf("the sender's membership is %q, not join", m)
		}
		if senderPL >= level(auth, "ban", 50) && targetPL < senderPL {
			return nil
		}
		return rejectf("banning needs the ban level and a higher power level than the target")
	case "knock":
		if !rv.Knocking || !(joinRule == "knock" || (joinRule == "knock_restricted" && rv.KnockRestrictedJoinRule)) {
			return rejectf("join rule %q does not allow knocking", joinRule)
		}
		if sender != target {
			return rejectf("a knock whose sender is not its state_key")
		}
		if current == "ban" || current == "invite" || current == "join" {
			return rejectf("knocking with membership %q", current)
		}
		return nil
	}
	return rejectf("unknown membership %q", membership)
}

// authoriseThirdPartyInvite is rule 5.4.1 (identical v1–v12).
func authoriseThirdPartyInvite(ev *Event, tpi matrix.Object, auth authState, current string, rejectf func(string, ...any) error) error {
	if current == "ban" {
		return rejectf("the invitee is banned")
	}
	signed, ok := tpi.GetObject("signed")
	if !ok {
		return rejectf("third_party_invite has no signed")
	}
	mxid, ok1 := signed.GetString("mxid")
	token, ok2 := signed.GetString("token")
	if !ok1 || !ok2 {
		return rejectf("signed lacks mxid or token")
	}
	if k, _ := ev.StateKey(); mxid != k {
		return rejectf("signed.mxid %q is not the state_key", mxid)
	}
	tpiEvent := auth.get("m.room.third_party_invite", token)
	if tpiEvent == nil {
		return rejectf("no m.room.third_party_invite with token %q", token)
	}
	if tpiEvent.Sender() != ev.Sender() {
		return rejectf("the sender is not the sender of the m.room.third_party_invite")
	}
	var keys []string
	c := tpiEvent.Content()
	if k, ok := c.GetString("public_key"); ok {
		keys = append(keys, k)
	}
	if list, ok := c.GetArray("public_keys"); ok {
		for _, item := range list {
			if m, ok := item.(map[string]any); ok {
				if k, ok := m["public_key"].(string); ok {
					keys = append(keys, k)
				}
			}
		}
	}
	sigs, _ := signed.GetObject("signatures")
	for server, v := range sigs {
		byKey, _ := v.(map[string]any)
		for keyID := range byKey {
			for _, k := range keys {
				pub, err := matrix.DecodeBase64(k)
				if err != nil || len(pub) != ed25519.PublicKeySize {
					continue
				}
				if matrix.VerifyJSON(signed, server, keyID, ed25519.PublicKey(pub)) == nil {
					return nil
				}
			}
		}
	}
	return rejectf("no signature in signed verifies under the invite's public keys")
}

// powerLevel is user's power level: infinite for v12 creators, else from
// m.room.power_levels, else 100 for the creator and 0 for anyone else.
func powerLevel(rv matrix.RoomVersion, auth authState, create *Event, user string) int64 {
	if rv.AdditionalCreators {
		if user == create.Sender() {
			return math.MaxInt64
		}
		if extra, ok := create.Content().GetArray("additional_creators"); ok {
			for _, u := range extra {
				if u == user {
					return math.MaxInt64
				}
			}
		}
	}
	pl := auth.get("m.room.power_levels", "")
	if pl == nil {
		creator := create.Sender()
		if rv.CreatorInCreateContent {
			if c, ok := create.Content().GetString("creator"); ok {
				creator = c
			}
		}
		if user == creator {
			return 100
		}
		return 0
	}
	c := pl.Content()
	if users, ok := c.GetObject("users"); ok {
		if n, ok := number(users[user]); ok {
			return n
		}
	}
	if n, ok := number(c["users_default"]); ok {
		return n
	}
	return 0
}

// level is a named level of the power levels event, or def.
func level(auth authState, name string, def int64) int64 {
	pl := auth.get("m.room.power_levels", "")
	if pl == nil {
		if name == "state_default" {
			return 0
		}
		return def
	}
	if n, ok := number(pl.Content()[name]); ok {
		return n
	}
	return def
}

// eventLevel is the power level needed to send an event of typ.
func eventLevel(auth authState, typ string, state bool) int64 {
	if pl := auth.get("m.room.power_levels", ""); pl != nil {
		if events, ok := pl.Content().GetObject("events"); ok {
			if n, ok := number(events[typ]); ok {
				return n
			}
		}
	}
	if state {
		return level(auth, "state_default", 50)
	}
	return level(auth, "events_default", 0)
}

// number reads a power level: an integer, or before v10 a string of one.
func number(v any) (int64, bool) {
	switch x := v.(type) {
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	case nil:
		return 0, false
	}
	return matrix.Object{"n": v}.GetInt("n")
}

// checkAuthEvents applies rule 3 (and the v12 form of it): every entry of
// auth_events is known, in the room, unique per (type, state_key) and one
// the selection algorithm allows. It returns the auth state.
func checkAuthEvents(ev *Event, known func(string) *Event) (authState, error) {
	rv := ev.Version
	auth := authState{}
	if ev.Type() == "m.room.create" {
		if len(ev.AuthEvents()) > 0 {
			return nil, errors.New("a create event has auth_events")
		}
		return auth, nil
	}
	if _, err := rv.EventRefs(ev.Fields, "auth_events"); err != nil {
		return nil, err
	}
	sk, ok := ev.StateKey()
	var skp *string
	if ok {
		skp = &sk
	}
	allowed := selection(rv, ev.Type(), ev.Sender(), skp, ev.Content())
	for _, id := range ev.AuthEvents() {
		a := known(id)
		if a == nil {
			return nil, fmt.Errorf("auth event %s is unknown to the mock", id)
		}
		if a.RoomID() != ev.RoomID() && a.Type() != "m.room.create" {
			return nil, fmt.Errorf("auth event %s is in room %s, not %s", id, a.RoomID(), ev.RoomID())
		}
		k := a.key()
		if _, dup := auth[k]; dup {
			return nil, fmt.Errorf("auth_events name two %s(%s) events", k.Type, k.StateKey)
		}
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("auth event %s is %s(%s), which the auth events selection does not allow for this event", id, k.Type, k.StateKey)
		}
		auth[k] = a
	}
	if !rv.RoomIDFromCreateEvent && auth.get("m.room.create", "") == nil {
		return nil, errors.New("auth_events do not name the create event")
	}
	return auth, nil
}

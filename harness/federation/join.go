package federation

import (
	"net/http"
	"slices"

	"herald/harness/matrix"
)

// serveMakeMembership answers make_join and make_leave (joins-v1.yaml,
// leaving-v1.yaml) for rooms the mock is in: a template the homeserver
// signs and sends back, or 403 when the auth rules would refuse it.
func (s *Server) serveMakeMembership(membership string) Handler {
	return s.inRoom(func(r *Request, room *Room) *Reply {
		user := r.PathValue("userId")
		server, _ := matrix.ServerNameOf(user)
		r.Check("the user is on the requesting server", checkf(server != r.Origin, "user %q, origin %q", user, r.Origin))
		if server != r.Origin {
			return errorReply(http.StatusForbidden, "M_FORBIDDEN", "%s is not a user of %s", user, r.Origin)
		}
		if membership == "join" {
			vers := r.HTTP.URL.Query()["ver"]
			if len(vers) == 0 {
				vers = []string{"1"} // joins-v1.yaml: defaults to [1]
			}
			if !slices.Contains(vers, room.Version.ID) {
				r.Note("the homeserver supports %v, the room is v%s", vers, room.Version.ID)
				return jsonReply(http.StatusBadRequest, map[string]any{
					"errcode": "M_INCOMPATIBLE_ROOM_VERSION", "error": "the room version is not among ver", "room_version": room.Version.ID,
				})
			}
		}
		room.mu.Lock()
		defer room.mu.Unlock()
		tmpl, err := room.template(ProtoEvent{
			Type: "m.room.member", StateKey: StateKey(user), Sender: user,
			Content: map[string]any{"membership": membership},
		})
		if err != nil {
			r.Check("building the "+membership+" template", err)
			return errorReply(http.StatusInternalServerError, "M_UNKNOWN", "%v", err)
		}
		probe := &Event{ID: "$template", Version: room.Version, Fields: tmpl}
		if err := room.authorise(probe); err != nil {
			r.Note("refusing make_%s: %v", membership, err)
			return errorReply(http.StatusForbidden, "M_FORBIDDEN", "%v", err)
		}
		return jsonReply(http.StatusOK, map[string]any{"room_version": room.Version.ID, "event": map[string]any(tmpl)})
	})
}

// serveSendMembership receives a signed join or leave (send_join,
// send_leave v1 and v2), checks and applies it. A join is answered with
// the state before it and the auth chain.
func (s *Server) serveSendMembership(membership string, v2 bool) Handler {
	return s.inRoomWithBody(func(r *Request, room *Room, body matrix.Object) *Reply {
		where := "send_" + membership + ": "
		ev, ok := s.receiveEvent(r, where, room.Version, body, r.PathValue("eventId"), room.ID)
		sk, _ := ev.StateKey()
		senderServer, _ := matrix.ServerNameOf(ev.Sender())
		for _, c := range []Check{
			{Name: where + "type is m.room.member", Err: checkf(ev.Type() != "m.room.member", "type is %q", ev.Type())},
			{Name: where + "membership is " + membership, Err: checkf(ev.Membership() != membership, "membership is %q", ev.Membership())},
			{Name: where + "state_key is the sender", Err: checkf(sk != ev.Sender(), "state_key %q, sender %q", sk, ev.Sender())},
			{Name: where + "sender is on the requesting server", Err: checkf(senderServer != r.Origin, "sender %q, origin %q", ev.Sender(), r.Origin)},
		} {
			r.Check(c.Name, c.Err)
			ok = ok && c.Err == nil
		}
		if !ok {
			return errorReply(http.StatusBadRequest, "M_INVALID_PARAM", "the %s event failed the mock's checks (see Herald's journal)", membership)
		}
		countersigned := false
		if via, _ := ev.Content().GetString("join_authorised_via_users_server"); membership == "join" && via != "" {
			if server, _ := matrix.ServerNameOf(via); server == s.Name() {
				if err := s.Signer().SignEvent(room.Version, ev.Fields); err != nil {
					r.Check("countersigning the restricted join", err)
				}
				countersigned = true
			}
		}
		err := room.Apply(ev)
		r.Check(where+"the event passes the auth rules", err)
		if err != nil {
			return errorReply(http.StatusForbidden, "M_FORBIDDEN", "%v", err)
		}
		if membership == "leave" {
			if v2 {
				return jsonReply(http.StatusOK, map[string]any{})
			}
			return jsonReply(http.StatusOK, []any{200, map[string]any{}})
		}
		state, _ := room.stateBefore(ev.ID)
		chain := room.authChain(append(slices.Clone(state), ev))
		out := map[string]any{"origin": s.Name(), "auth_chain": eventsJSON(chain), "state": eventsJSON(state)}
		if !v2 {
			return jsonReply(http.StatusOK, []any{200, out})
		}
		out["members_omitted"] = false
		servers := []any{}
		for _, st := range state {
			if k, _ := st.StateKey(); st.Type() == "m.room.member" && st.Membership() == "join" {
				if sv, ok := matrix.ServerNameOf(k); ok && !slices.Contains(servers, any(sv)) {
					servers = append(servers, sv)
				}
			}
		}
		out["servers_in_room"] = servers
		if countersigned {
			out["event"] = map[string]any(ev.Fields)
		}
		return jsonReply(http.StatusOK, out)
	})
}

package federation

import (
	"fmt"
	"net/http"

	"herald/harness/matrix"
)

// defaultHandler is the mock's own, spec-conformant answer for route.
func (s *Server) defaultHandler(route Route) Handler {
	switch route {
	case Unrouted:
		return func(r *Request) *Reply {
			if routes.OtherMethod(r.HTTP) {
				return errorReply(http.StatusMethodNotAllowed, "M_UNRECOGNIZED", "Herald's mock does not serve %s on %s", r.HTTP.Method, r.HTTP.URL.Path)
			}
			return errorReply(http.StatusNotFound, "M_UNRECOGNIZED", "Herald's mock does not serve %s %s", r.HTTP.Method, r.HTTP.URL.Path)
		}
	case KeyServer, KeyServerByID:
		return s.serveKeys
	case Version:
		return serveVersion
	case QueryProfile:
		return s.serveProfile
	case SendTxn:
		return s.serveTransaction
	case InviteV1:
		return s.serveInvite(false)
	case InviteV2:
		return s.serveInvite(true)
	case MakeJoin:
		return s.serveMakeMembership("join")
	case SendJoinV1:
		return s.serveSendMembership("join", false)
	case SendJoinV2:
		return s.serveSendMembership("join", true)
	case MakeLeave:
		return s.serveMakeMembership("leave")
	case SendLeaveV1:
		return s.serveSendMembership("leave", false)
	case SendLeaveV2:
		return s.serveSendMembership("leave", true)
	case State:
		return s.serveState(false)
	case StateIDs:
		return s.serveState(true)
	case GetEvent:
		return s.serveEvent
	case EventAuth:
		return s.inRoom(s.serveEventAuth)
	case MissingEvents:
		return s.inRoomWithBody(s.serveMissingEvents)
	case Backfill:
		return s.inRoom(s.serveBackfill)
	case UserDevices:
		return serveUserDevices
	case UserKeysQuery:
		return serveUserKeysQuery
	case UserKeysClaim:
		return JSON(http.StatusOK, map[string]any{"one_time_keys": map[string]any{}})
	case QueryDirectory:
		return Status(http.StatusNotFound, "M_NOT_FOUND")
	case ExchangeThirdPartyInvite:
		return s.inRoomWithBody(s.serveExchangeThirdPartyInvite)
	}
	return func(r *Request) *Reply {
		return errorReply(http.StatusNotFound, "M_UNRECOGNIZED", "no default for %s", route)
	}
}

// body parses the request body as a JSON object; a failure is the
// homeserver's fault, so it is a failed check.
func (r *Request) body() (matrix.Object, *Reply) {
	obj, err := r.Object()
	r.Check("request body is a JSON object", err)
	if err != nil {
		return nil, errorReply(http.StatusBadRequest, "M_NOT_JSON", "%v", err)
	}
	return obj, nil
}

// receiveEvent verifies an event the homeserver sent (see verifyEvent),
// recording the checks on the exchange, prefixed with where it was.
func (s *Server) receiveEvent(r *Request, where string, rv matrix.RoomVersion, obj matrix.Object, wantID, roomID string) (*Event, bool) {
	id, ok := s.verifyEvent(r.HTTP.Context(), eventCheck{rv: rv, event: obj, wantID: wantID, room: roomID},
		func(name string, err error) { r.Check(where+name, err) })
	return &Event{ID: id, Version: rv, Fields: obj}, ok
}

// inRoom answers with h a request on a room the mock is in (the path's
// roomId), and 404 one on another room.
func (s *Server) inRoom(h func(r *Request, room *Room) *Reply) Handler {
	return func(r *Request) *Reply {
		id := r.PathValue("roomId")
		room := s.Room(id)
		if room == nil {
			r.Note("the mock is not in room %s", id)
			return errorReply(http.StatusNotFound, "M_NOT_FOUND", "the mock is not in room %s", id)
		}
		return h(r, room)
	}
}

// inRoomWithBody is inRoom for a request whose body is a JSON object
// (see body).
func (s *Server) inRoomWithBody(h func(r *Request, room *Room, body matrix.Object) *Reply) Handler {
	return s.inRoom(func(r *Request, room *Room) *Reply {
		body, reply := r.body()
		if reply != nil {
			return reply
		}
		return h(r, room, body)
	})
}

func serveVersion(*Request) *Reply {
	return jsonReply(http.StatusOK, map[string]any{"server": map[string]any{"name": "Herald mock", "version": "1"}})
}

// serveProfile answers GET /query/profile for any user on the mock.
func (s *Server) serveProfile(r *Request) *Reply {
	q := r.HTTP.URL.Query()
	user := q.Get("user_id")
	server, ok := matrix.ServerNameOf(user)
	if !ok || server != s.Name() || user[0] != '@' {
		return errorReply(http.StatusNotFound, "M_NOT_FOUND", "%q is not a user on %s", user, s.Name())
	}
	localpart := user[1 : len(user)-len(server)-1]
	p, ok := s.cfg.profiles[localpart]
	if !ok {
		p = Profile{DisplayName: localpart}
	}
	out := map[string]any{}
	if p.DisplayName != "" {
		out["displayname"] = p.DisplayName
	}
	if p.AvatarURL != "" {
		out["avatar_url"] = p.AvatarURL
	}
	switch field := q.Get("field"); field {
	case "":
	case "displayname", "avatar_url":
		out = map[string]any{field: out[field]}
		if out[field] == nil {
			return errorReply(http.StatusNotFound, "M_NOT_FOUND", "no %s", field)
		}
	default:
		out = map[string]any{}
	}
	return jsonReply(http.StatusOK, out)
}

func serveUserDevices(r *Request) *Reply {
	return jsonReply(http.StatusOK, map[string]any{"user_id": r.PathValue("userId"), "stream_id": 1, "devices": []any{}})
}

func serveUserKeysQuery(r *Request) *Reply {
	body, reply := r.body()
	if reply != nil {
		return reply
	}
	out := map[string]any{}
	if q, ok := body.GetObject("device_keys"); ok {
		for user := range q {
			out[user] = map[string]any{}
		}
	}
	return jsonReply(http.StatusOK, map[string]any{"device_keys": out})
}

// eventsJSON lists events for a response body.
func eventsJSON(evs []*Event) []any {
	out := make([]any, len(evs))
	for i, ev := range evs {
		out[i] = map[string]any(ev.Fields)
	}
	return out
}

func eventIDs(evs []*Event) []any {
	out := make([]any, len(evs))
	for i, ev := range evs {
		out[i] = ev.ID
	}
	return out
}

// checkf is a check that fails with the formatted message when bad.
func checkf(bad bool, format string, args ...any) error {
	if bad {
		return fmt.Errorf(format, args...)
	}
	return nil
}

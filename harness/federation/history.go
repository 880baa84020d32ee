package federation

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"herald/harness/matrix"
)

// serveState answers /state and /state_ids (events.yaml): the state
// before the given event and its auth chain.
func (s *Server) serveState(idsOnly bool) Handler {
	return s.inRoom(func(r *Request, room *Room) *Reply {
		id := r.HTTP.URL.Query().Get("event_id")
		if id == "" {
			return errorReply(http.StatusBadRequest, "M_MISSING_PARAM", "event_id is required")
		}
		state, ok := room.stateBefore(id)
		if !ok {
			r.Note("the mock does not know the state at %s", id)
			return errorReply(http.StatusNotFound, "M_NOT_FOUND", "no state known at %s", id)
		}
		chain := room.authChain(state)
		if idsOnly {
			return jsonReply(http.StatusOK, map[string]any{"pdu_ids": eventIDs(state), "auth_chain_ids": eventIDs(chain)})
		}
		return jsonReply(http.StatusOK, map[string]any{"pdus": eventsJSON(state), "auth_chain": eventsJSON(chain)})
	})
}

// txnOf wraps PDUs as a transaction (GET /event, /backfill answers).
func (s *Server) txnOf(evs []*Event) map[string]any {
	return map[string]any{"origin": s.Name(), "origin_server_ts": time.Now().UnixMilli(), "pdus": eventsJSON(evs)}
}

func (s *Server) serveEvent(r *Request) *Reply {
	id := r.PathValue("eventId")
	ev := s.findEvent(id)
	if ev == nil {
		r.Note("the mock has no event %s", id)
		return errorReply(http.StatusNotFound, "M_NOT_FOUND", "no event %s", id)
	}
	return jsonReply(http.StatusOK, s.txnOf([]*Event{ev}))
}

func (s *Server) serveEventAuth(r *Request, room *Room) *Reply {
	ev := room.Event(r.PathValue("eventId"))
	if ev == nil {
		return errorReply(http.StatusNotFound, "M_NOT_FOUND", "no event %s in %s", r.PathValue("eventId"), room.ID)
	}
	return jsonReply(http.StatusOK, map[string]any{"auth_chain": eventsJSON(room.authChain([]*Event{ev}))})
}

// serveMissingEvents answers POST /get_missing_events: a breadth-first
// walk of prev_events from latest_events, skipping earliest_events, up to
// limit events at or above min_depth.
func (s *Server) serveMissingEvents(r *Request, room *Room, body matrix.Object) *Reply {
	limit := intField(body, "limit", 10)
	minDepth := intField(body, "min_depth", 0)
	earliest := stringList(body, "earliest_events")
	latest := stringList(body, "latest_events")
	seen := map[string]bool{}
	for _, id := range append(slices.Clone(earliest), latest...) {
		seen[id] = true
	}
	var queue []string
	for _, id := range latest {
		if ev := room.Event(id); ev != nil {
			queue = append(queue, ev.PrevEvents()...)
		}
	}
	var out []*Event
	for len(queue) > 0 && len(out) < int(limit) {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		ev := room.Event(id)
		if ev == nil || ev.Depth() < minDepth {
			continue
		}
		out = append(out, ev)
		queue = append(queue, ev.PrevEvents()...)
	}
	slices.SortStableFunc(out, func(a, b *Event) int { return int(a.Depth() - b.Depth()) })
	return jsonReply(http.StatusOK, map[string]any{"events": eventsJSON(out)})
}

// serveBackfill answers GET /backfill: the given events and their
// ancestors, breadth first, up to limit.
func (s *Server) serveBackfill(r *Request, room *Room) *Reply {
	q := r.HTTP.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 10
	}
	queue := q["v"]
	seen := map[string]bool{}
	var out []*Event
	for len(queue) > 0 && len(out) < limit {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		if ev := room.Event(id); ev != nil {
			out = append(out, ev)
			queue = append(queue, ev.PrevEvents()...)
		}
	}
	return jsonReply(http.StatusOK, s.txnOf(out))
}

func intField(o matrix.Object, key string, def int64) int64 {
	if n, ok := o.GetInt(key); ok {
		return n
	}
	return def
}

func stringList(o matrix.Object, key string) []string {
	list, _ := o.GetArray(key)
	var out []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

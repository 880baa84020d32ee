package membership

import (
	"fmt"
	"maps"
	"slices"

	"herald/harness/csapi"
)

// refusedEventProblems judges the room state after an event the auth rules
// refuse was offered to the server: the state must be as it was before,
// and no state entry may be the refused event. One line per problem.
func refusedEventProblems(before, after roomState, refused string) []string {
	var out []string
	for key, ev := range after {
		if ev.ID() == refused {
			out = append(out, fmt.Sprintf("the refused event %s is the room's current %s", refused, key))
		}
	}
	return append(out, before.diff(after)...)
}

// directFlagProblems judges the content of an invite member event that a
// createRoom call with is_direct made: its membership is invite and its
// is_direct is the boolean true (dm.md §Server behaviour). One line per
// problem.
func directFlagProblems(content map[string]any) []string {
	var out []string
	if m := content["membership"]; m != "invite" {
		out = append(out, fmt.Sprintf("membership is %s, not \"invite\"", compact(m)))
	}
	switch v, ok := content["is_direct"]; {
	case !ok:
		out = append(out, "content has no is_direct")
	case v != true:
		out = append(out, fmt.Sprintf("is_direct is %s, not true", compact(v)))
	}
	return out
}

// inviteOrderProblems judges a room's timeline, oldest first, after a
// createRoom call that invited invitees: createRoom applies the invite
// events last (create_room.yaml, step 8), so the invites are there and no
// other state event comes after the first of them; the state events of
// the types in required (the name and topic it was given) are there too.
// One line per problem.
func inviteOrderProblems(timeline []csapi.Event, invitees []string, required ...string) []string {
	var out []string
	first := -1
	for _, user := range invitees {
		at := slices.IndexFunc(timeline, func(ev csapi.Event) bool {
			return ev.Type() == "m.room.member" && ev.StateKey() == user && ev.Membership() == "invite"
		})
		if at < 0 {
			out = append(out, "the invite of "+user+" is not in the timeline")
			continue
		}
		if first < 0 || at < first {
			first = at
		}
	}
	for _, typ := range required {
		if !slices.ContainsFunc(timeline, func(ev csapi.Event) bool { return ev.Type() == typ && ev.IsState() }) {
			out = append(out, typ+" is not in the timeline")
		}
	}
	if first < 0 {
		return out
	}
	for _, ev := range timeline[first+1:] {
		if !ev.IsState() || (ev.Type() == "m.room.member" && ev.Membership() == "invite" && slices.Contains(invitees, ev.StateKey())) {
			continue
		}
		out = append(out, fmt.Sprintf("%s(%s) comes after the invite of %s", ev.Type(), ev.StateKey(), timeline[first].StateKey()))
	}
	return out
}

// sentBy lists the events of the timeline that user sent, as
// type(state_key) or type.
func sentBy(timeline []csapi.Event, user string) []string {
	var out []string
	for _, ev := range timeline {
		if ev.Sender() != user {
			continue
		}
		what := ev.Type()
		if ev.IsState() {
			what += "(" + ev.StateKey() + ")"
		}
		out = append(out, what+" "+ev.ID())
	}
	return out
}

// wantState is a state event (empty state key) a spec looks for in an
// invite's stripped state, with the content fields it must carry.
type wantState struct {
	eventType string
	fields    map[string]any
}

// strippedStateProblems judges the events of an invite state (stripped or
// full, as JSON objects): each wanted event is there with its state key
// "" and the wanted content fields; other events and fields do not
// matter. One line per problem.
func strippedStateProblems(events []any, want ...wantState) []string {
	var out []string
	for _, w := range want {
		var content map[string]any
		found := false
		for _, item := range events {
			ev, _ := item.(map[string]any)
			if ev["type"] == w.eventType && ev["state_key"] == "" {
				content, _ = ev["content"].(map[string]any)
				found = true
				break
			}
		}
		if !found {
			out = append(out, w.eventType+" is missing")
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(w.fields)) {
			if got, ok := content[k]; !ok || got != w.fields[k] {
				out = append(out, fmt.Sprintf("%s: content.%s is %s, not %s", w.eventType, k, compact(got), compact(w.fields[k])))
			}
		}
	}
	return out
}

// eventObjects is a list of client events as JSON objects.
func eventObjects(evs []csapi.Event) []any {
	out := make([]any, len(evs))
	for i, ev := range evs {
		out[i] = ev.Fields
	}
	return out
}

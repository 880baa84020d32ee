package membership

import "fmt"

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

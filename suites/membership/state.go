package membership

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/csapi"
)

// roomState is a room's current state: each event by "type(state_key)".
type roomState map[string]csapi.Event

// snapshot reads the current state of room as observer (a member) sees it.
func snapshot(ctx context.Context, observer *csapi.Client, room string) roomState {
	GinkgoHelper()
	st := roomState{}
	for _, ev := range observer.MustState(ctx, room) {
		st[fmt.Sprintf("%s(%s)", ev.Type(), ev.StateKey())] = ev
	}
	return st
}

// diff lists what changed from before to after, one line each, ignoring
// the keys in except.
func (before roomState) diff(after roomState, except ...string) []string {
	var out []string
	for key, ev := range after {
		if slices.Contains(except, key) {
			continue
		}
		old, ok := before[key]
		switch {
		case !ok:
			out = append(out, "added   "+key+" "+ev.String())
		case old.ID() != ev.ID():
			out = append(out, "changed "+key+" "+old.ID()+" → "+ev.String())
		}
	}
	for key, ev := range before {
		if _, ok := after[key]; !ok && !slices.Contains(except, key) {
			out = append(out, "removed "+key+" "+ev.ID())
		}
	}
	sort.Strings(out)
	return out
}

// expectUnchanged fails if the state of room differs from before (except
// for the keys in except), showing what changed.
func expectUnchanged(ctx context.Context, observer *csapi.Client, room string, before roomState, res *csapi.Response, except ...string) {
	GinkgoHelper()
	changes := before.diff(snapshot(ctx, observer, room), except...)
	Expect(changes).To(BeEmpty(), "the room state changed after the refused request:\n  %s%s",
		strings.Join(changes, "\n  "), exchange(res))
}

// memberKey is the roomState key of user's member event.
func memberKey(user string) string { return "m.room.member(" + user + ")" }

// inviteStateContent returns the content of the stripped state event of
// that type in the invite to room, if the sync response carries it.
func inviteStateContent(sr *csapi.SyncResponse, room, eventType string) (map[string]any, bool) {
	for _, ev := range sr.InviteState(room) {
		if ev.Type() == eventType && ev.StateKey() == "" {
			return ev.Content(), true
		}
	}
	return nil, false
}

// notInvitedTo passes when rooms.invite does not list room.
func notInvitedTo(room string) csapi.SyncCheck {
	return csapi.Check("no invite to "+room, func(s *csapi.SyncResponse) bool {
		return !slices.Contains(s.InvitedRooms(), room)
	})
}

package blocking

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/csapi"
)

// expectNone fails unless problems (what a check below found) is empty;
// the message names what was judged, each problem and the exchange.
func expectNone(problems []string, what, exchange string) {
	GinkgoHelper()
	Expect(problems).To(BeEmpty(), "%s:\n  %s\nThe exchange:\n%s",
		what, strings.Join(problems, "\n  "), exchange)
}

// The checks below are pure functions of what the homeserver answered, so
// checks_test.go can show each one failing on a wrong answer. They return
// what is wrong, one line each; nothing means all is well.

// errcodeOf returns the errcode of a Matrix error body and whether the
// body is a JSON object at all.
func errcodeOf(body []byte) (string, bool) {
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return "", false
	}
	code, _ := obj["errcode"].(string)
	return code, true
}

// forbidden checks the status and shape of a refusal the module fixes:
// 403 with a Matrix error body (a JSON object with a string errcode).
func forbidden(status int, body []byte) []string {
	var out []string
	switch {
	case status >= 200 && status < 300:
		out = append(out, fmt.Sprintf("answered %d: that accepts the invite of a user who blocks invites, instead of refusing it with 403", status))
	case status >= 500:
		out = append(out, fmt.Sprintf("answered %d: the server failed instead of refusing the invite with 403", status))
	case status != 403:
		out = append(out, fmt.Sprintf("answered %d, not 403", status))
	}
	if status >= 400 {
		code, isObject := errcodeOf(body)
		switch {
		case !isObject:
			out = append(out, "the refusal is not a JSON object (a Matrix error response has errcode)")
		case code == "":
			out = append(out, "the refusal has no string errcode")
		}
	}
	return out
}

// blockedCode checks that an answer carries errcode M_INVITE_BLOCKED.
func blockedCode(body []byte) []string {
	code, isObject := errcodeOf(body)
	switch {
	case !isObject:
		return []string{"the body is not a JSON object, so it has no errcode M_INVITE_BLOCKED"}
	case code == "":
		return []string{"the body has no errcode; want M_INVITE_BLOCKED"}
	case code != "M_INVITE_BLOCKED":
		return []string{fmt.Sprintf("errcode %q, want M_INVITE_BLOCKED", code)}
	}
	return nil
}

// createRoomAnswer checks the answer to a createRoom whose invite list
// holds a user who blocks invites. The module lets either happen: the
// room is created (200 with a room_id) while that invite is refused, or
// the request is refused with 403 M_INVITE_BLOCKED.
func createRoomAnswer(status int, body []byte) []string {
	switch status {
	case 200:
		var obj map[string]any
		if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
			return []string{"answered 200 with a body that is not a JSON object"}
		}
		if id, _ := obj["room_id"].(string); id == "" {
			return []string{"answered 200 without a string room_id"}
		}
		return nil
	case 403:
		if p := blockedCode(body); p != nil {
			return append([]string{"answered 403, but not with M_INVITE_BLOCKED"}, p...)
		}
		return nil
	}
	return []string{fmt.Sprintf("answered %d: want 200 (the room created without that invite) or 403 M_INVITE_BLOCKED", status)}
}

// notInvited checks a membership read from the room state after a refused
// invite: anything but invite.
func notInvited(user, membership string) []string {
	if membership == "invite" {
		return []string{fmt.Sprintf("the room state holds %s's membership as invite: the blocked invite was recorded", user)}
	}
	return nil
}

// stillInvited checks a membership read from the room state by a member
// after the invitee blocked invites: still invite, as before.
func stillInvited(user, membership string) []string {
	if membership != "invite" {
		return []string{fmt.Sprintf("%s's membership in the room state is %q, not invite: blocking must not change what GET /rooms/{roomId}/state returns", user, membership)}
	}
	return nil
}

// notServed checks the rooms.invite of a /sync answer: it must not list
// room.
func notServed(invited []string, room string) []string {
	if slices.Contains(invited, room) {
		return []string{fmt.Sprintf("/sync lists %s under rooms.invite: an invite for a user who blocks invites was served", room)}
	}
	return nil
}

// served checks the rooms.invite of a /sync answer after unblocking: it
// lists room again.
func served(invited []string, room string) []string {
	if !slices.Contains(invited, room) {
		return []string{fmt.Sprintf("/sync does not list %s under rooms.invite after the user unblocked invites", room)}
	}
	return nil
}

// accepted checks the answer to an invite that must go through: 200.
func accepted(status int) []string {
	if status != 200 {
		return []string{fmt.Sprintf("answered %d, not 200: the invite was refused although the user does not block invites", status)}
	}
	return nil
}

// newRooms lists the rooms in after that are not in before.
func newRooms(before, after []string) []string {
	var out []string
	for _, r := range after {
		if !slices.Contains(before, r) {
			out = append(out, r)
		}
	}
	return out
}

// membershipIn returns user's membership as a list of state events (GET
// /rooms/{roomId}/state) shows it, or "" when it holds no member event
// for user.
func membershipIn(events []csapi.Event, user string) string {
	for i := len(events) - 1; i >= 0; i-- {
		ev := events[i]
		if ev.Type() == "m.room.member" && ev.IsState() && ev.StateKey() == user {
			return ev.Membership()
		}
	}
	return ""
}

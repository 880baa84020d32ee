package match

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// BeMembershipTemplate matches a resident server's 200 answer to make_join
// or make_leave (joins-v1.yaml, leaving-v1.yaml) that the requesting
// server may sign and send back: the template names the room's version
// (room_version; "1" or "2" may go unsaid) and its event is an
// m.room.member event in roomID whose sender and state_key are userID and
// whose content.membership is membership — what the requesting server
// "MUST verify" before it signs, treating any other answer as malformed.
// Its failure message lists every field that differs, with what the
// template holds.
//
//	Expect(res).To(match.BeMembershipTemplate(room, carol, "leave", rv.ID))
func BeMembershipTemplate(roomID, userID, membership, roomVersion string) types.GomegaMatcher {
	return answerMatcher(func(a answer) verdict {
		problems := templateProblems(a, roomID, userID, membership, roomVersion)
		return verdict{
			holds: len(problems) == 0,
			failure: fmt.Sprintf("expected a %s template for %s in %s (room version %s), but:\n  %s\n%s\nthe exchange:\n%s",
				membership, userID, roomID, roomVersion, strings.Join(problems, "\n  "), observed(problemWords(problems)), a.exchange),
			negated: fmt.Sprintf("expected no valid %s template for %s, got one\nthe exchange:\n%s", membership, userID, a.exchange),
		}
	})
}

// templateProblems lists what keeps the answer from being a template the
// requesting server may sign, one line each.
func templateProblems(a answer, roomID, userID, membership, roomVersion string) []string {
	if a.status != http.StatusOK {
		code, err := a.errcode()
		return []string{"the answer is " + statusWords(a.status, code, err == nil) + ", not 200"}
	}
	body, err := matrix.ParseObject(a.body)
	if err != nil {
		return []string{"the 200 answer is not a JSON object: " + err.Error()}
	}
	var out []string
	switch v, present := body["room_version"]; {
	case !present && roomVersion != "1" && roomVersion != "2":
		out = append(out, "room_version is missing (only rooms of version 1 or 2 may leave it out)")
	case present && v != roomVersion:
		out = append(out, fmt.Sprintf("room_version is %s, not %q", showJSON(v), roomVersion))
	}
	ev, ok := body.GetObject("event")
	if !ok {
		return append(out, "event is missing or not an object")
	}
	for _, f := range []struct {
		path []string
		want string
	}{
		{[]string{"room_id"}, roomID},
		{[]string{"type"}, "m.room.member"},
		{[]string{"sender"}, userID},
		{[]string{"state_key"}, userID},
		{[]string{"content", "membership"}, membership},
	} {
		var got any = map[string]any(ev)
		present := true
		for _, k := range f.path {
			m, isObj := got.(map[string]any)
			if !isObj {
				present = false
				break
			}
			got, present = m[k]
			if !present {
				break
			}
		}
		name := "event." + strings.Join(f.path, ".")
		switch {
		case !present:
			out = append(out, fmt.Sprintf("%s is missing, want %q", name, f.want))
		case got != f.want:
			out = append(out, fmt.Sprintf("%s is %s, want %q", name, showJSON(got), f.want))
		}
	}
	return out
}

// problemWords are the field names of the problems, for the fingerprint
// (the values hold IDs that change from run to run).
func problemWords(problems []string) string {
	words := make([]string, len(problems))
	for i, p := range problems {
		words[i], _, _ = strings.Cut(p, " is ")
		if strings.HasPrefix(p, "the answer is ") {
			words[i] = p
		}
	}
	return "template: " + strings.Join(words, ", ")
}

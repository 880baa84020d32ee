package thirdparty

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"herald/harness/identity"
	"herald/harness/matrix"
)

// The checks below are pure functions of what the homeserver sent or
// answered, so checks_test.go can show each one failing on a wrong answer.
// They return what is wrong, one line each; nothing means all is well.

// refused checks that an answer is an error (4xx or 5xx): whatever else
// the spec leaves open, an answer below 400 accepts what must be refused.
func refused(status int) []string {
	if status >= 400 {
		return nil
	}
	return []string{fmt.Sprintf("answered %d: that accepts the request instead of refusing it", status)}
}

// refusal checks the status of an answer the spec says is a refusal but
// gives no code for (an exchange, a malformed onbind): a 4xx error. A 2xx
// accepts what must be refused; a 5xx is the server failing rather than
// refusing.
func refusal(status int) []string {
	if status >= 400 && status < 500 {
		return nil
	}
	return []string{fmt.Sprintf("answered %d, not a 4xx refusal", status)}
}

// refusalAnswer is the answer to one request the spec says is refused.
type refusalAnswer struct {
	what   string
	status int
	body   []byte
}

// refusalStatusProblems judges every answer to requests that must be
// refused by its status (refusal): an accepted request is no 4xx refusal
// either, so none is left out, and no answers at all is a problem too.
func refusalStatusProblems(answers []refusalAnswer) []string {
	if len(answers) == 0 {
		return []string{"no answers to judge"}
	}
	var out []string
	for _, a := range answers {
		for _, p := range refusal(a.status) {
			out = append(out, a.what+": "+p+": "+shorten(a.body))
		}
	}
	return out
}

// storeInviteProblems checks the homeserver's store-invite request
// (v2_store_invite.yaml): the v2 endpoint, a JSON body with medium,
// address, room_id and sender as expected, and the access token the
// client gave the homeserver.
func storeInviteProblems(ex identity.Exchange, want map[string]string, token string) []string {
	var out []string
	if ex.Route != identity.StoreInvite {
		out = append(out, fmt.Sprintf("called %s %s, not POST /_matrix/identity/v2/store-invite", ex.Method, ex.URI))
	}
	body, err := matrix.ParseObject(ex.RequestBody)
	if err != nil {
		out = append(out, fmt.Sprintf("the body is not a JSON object (%v): %q", err, shorten(ex.RequestBody)))
		body = matrix.Object{}
	}
	for _, k := range slices.Sorted(keys(want)) {
		if got, _ := body.GetString(k); got != want[k] {
			out = append(out, fmt.Sprintf("%s is %q, want %q", k, got, want[k]))
		}
	}
	if ex.Via == identity.NoToken {
		out = append(out, "no access token: the client's id_access_token must authenticate the request")
	} else if ex.Token != token {
		out = append(out, fmt.Sprintf("access token %q, not the client's id_access_token %q", ex.Token, token))
	}
	return out
}

// bearerProblems checks that every request to an authenticated route of
// the identity server carried the client's token as a Bearer header
// (identity-service-api.md "Authentication").
func bearerProblems(requests []identity.Exchange, token string) []string {
	var out []string
	for _, ex := range requests {
		switch {
		case ex.Via == identity.BearerHeader && ex.Token == token:
		case ex.Via == identity.NoToken:
			out = append(out, fmt.Sprintf("%s: no access token", ex.Summary()))
		case ex.Via != identity.BearerHeader:
			out = append(out, fmt.Sprintf("%s: the token is in the %s, not an Authorization: Bearer header", ex.Summary(), ex.Via))
		default:
			out = append(out, fmt.Sprintf("%s: Bearer %q is not the client's id_access_token %q", ex.Summary(), ex.Token, token))
		}
	}
	return out
}

// partialInviteProblems checks the partial m.room.member event of an
// exchange_third_party_invite (third_party_invite.yaml): type, room_id,
// sender, state_key, membership invite, and the identity server's signed
// block passed on unchanged.
func partialInviteProblems(body matrix.Object, room, sender, target string, signed matrix.Object) []string {
	var out []string
	for _, f := range []struct{ key, want string }{
		{"type", "m.room.member"}, {"room_id", room}, {"sender", sender}, {"state_key", target},
	} {
		if got, ok := body.GetString(f.key); !ok || got != f.want {
			out = append(out, fmt.Sprintf("%s is %s, want %q", f.key, compact(body[f.key]), f.want))
		}
	}
	content, _ := body.GetObject("content")
	if got, _ := content.GetString("membership"); got != "invite" {
		out = append(out, fmt.Sprintf("content.membership is %q, want \"invite\"", got))
	}
	tpi, _ := content.GetObject("third_party_invite")
	got, _ := tpi.GetObject("signed")
	if !sameJSON(got, signed) {
		out = append(out, fmt.Sprintf("content.third_party_invite.signed is %s, want the identity server's block unchanged: %s", compact(got), compact(signed)))
	}
	return out
}

// redactionProblems compares the content of a redacted event with what
// the room version's redaction algorithm keeps of the original.
func redactionProblems(rv matrix.RoomVersion, original, redactedContent matrix.Object) []string {
	want, err := rv.Redact(original)
	if err != nil {
		return []string{fmt.Sprintf("redacting the original event: %v", err)}
	}
	wantContent, _ := want.GetObject("content")
	if wantContent == nil {
		wantContent = matrix.Object{}
	}
	if !sameJSON(redactedContent, wantContent) {
		return []string{fmt.Sprintf("the redacted content is %s; room version %s keeps %s", compact(redactedContent), rv.ID, compact(wantContent))}
	}
	return nil
}

// sameJSON compares two JSON objects by their canonical encoding (nil
// equals nothing but nil).
func sameJSON(a, b matrix.Object) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	x, err1 := a.Encode()
	y, err2 := b.Encode()
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func keys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func shorten(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// quietProblems checks what a request that must be refused left behind:
// the answer is an error, the homeserver asked no room's server to
// exchange an invite (exchanged), and the invitee has no membership
// (membership "") where it had none before.
func quietProblems(status int, exchanged []string, membership string) []string {
	out := refused(status)
	for _, ex := range exchanged {
		out = append(out, "yet the homeserver asked the room's server to exchange the invite: "+ex)
	}
	if membership != "" {
		out = append(out, fmt.Sprintf("yet the invitee's membership in the room is now %q", membership))
	}
	return out
}

// joinRefusalProblems checks a join that must be refused with one of
// statuses: the answer, and that user got no membership (membership "").
func joinRefusalProblems(status int, statuses []int, user, membership string) []string {
	var out []string
	if !slices.Contains(statuses, status) {
		out = append(out, fmt.Sprintf("answered %d, not %s", status, statusWords(statuses)))
	}
	if membership != "" {
		out = append(out, fmt.Sprintf("%s's membership is now %q", user, membership))
	}
	return out
}

// statusWords is "403", "400 or 403", … for rule texts and messages.
func statusWords(statuses []int) string {
	var words []string
	for _, s := range statuses {
		words = append(words, fmt.Sprint(s))
	}
	return strings.Join(words, " or ")
}

// answerWords is the part of a join rule's section that gives its answer:
// joining.yaml's 403, or a 400 too for a body that lacks a required field.
func answerWords(statuses []int) string {
	if len(statuses) == 1 && statuses[0] == 403 {
		return "403 when the user may not join"
	}
	return statusWords(statuses) + ": 403 when the user may not join, 400 for a request body the schema does not allow"
}

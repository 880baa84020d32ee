package outbound

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"herald/harness/csapi"
	"herald/harness/federation"
	"herald/harness/matrix"
	"herald/harness/mockhttp/mocktest"
)

// v1RefusedScene is what OUTERR-V1-FORBIDDEN's checks look at once the
// homeserver retried on v1 and was refused there: a mock scripted with
// v1Forbidden that received a v2 invite, then a v1 one (sent here by a
// second mock standing in for the homeserver), and a client whose room
// state holds the room's create event and, if invited, carol's invite.
func v1RefusedScene(t *testing.T, invited bool) *invitation {
	t.Helper()
	start := func(opts ...federation.Option) *federation.Server {
		return mocktest.Start(t, func() (*federation.Server, error) {
			return federation.Start(t.Context(), mocktest.Env(t), opts...)
		})
	}
	remote, home := start(v1Forbidden()...), start()
	remote.Federate(home.AsPeer())
	home.Federate(remote.AsPeer())
	alice, carol := home.User("alice"), remote.User("carol")
	room := home.CreateRoom(matrix.MustRoomVersion("1"), alice)
	invite := room.InviteEvent(alice, carol)
	if res, err := home.SendInviteV2(t.Context(), invite); err != nil || res.StatusCode != http.StatusNotFound {
		t.Fatalf("the scripted v2 answer: %v %v, want 404", res, err)
	}
	if res, err := home.SendInviteV1(t.Context(), invite); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("the scripted v1 answer: %v %v, want 403", res, err)
	}
	if err := remote.Journal.Settle(t.Context()); err != nil {
		t.Fatal(err)
	}

	state := []map[string]any{{"type": "m.room.create", "state_key": "", "event_id": "$c", "content": map[string]any{}}}
	if invited {
		state = append(state, map[string]any{"type": "m.room.member", "state_key": carol, "event_id": "$i", "content": map[string]any{"membership": "invite"}})
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/state") {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(state)
	}))
	t.Cleanup(hs.Close)
	return &invitation{rv: room.Version, alice: csapi.New(hs.URL), remote: remote, carol: carol, room: room.ID}
}

// answered is alice's /invite answered status with body.
func answered(status int, body string) *csapi.Response {
	return &csapi.Response{StatusCode: status, Body: []byte(body)}
}

// The checks of OUTERR-V1-FORBIDDEN and its -STATUS and -ERRCODE rules,
// shown passing on what the spec asks and failing on wrong answers.
func TestV1ForbiddenChecks(t *testing.T) {
	RegisterTestingT(t)
	forbidden := `{"errcode":"M_FORBIDDEN","error":"refused"}`
	cases := []struct {
		name    string
		res     *csapi.Response
		invited bool // the room state holds carol's invite
		// fail names the rules whose check must fail.
		fail []string
	}{
		{"403 M_FORBIDDEN, no invite", answered(403, forbidden), false, nil},
		{"200, the invite stored", answered(200, `{}`), true,
			[]string{"OUTERR-V1-FORBIDDEN", "OUTERR-V1-FORBIDDEN-STATUS", "OUTERR-V1-FORBIDDEN-ERRCODE"}},
		{"200, nothing stored", answered(200, `{}`), false,
			[]string{"OUTERR-V1-FORBIDDEN", "OUTERR-V1-FORBIDDEN-STATUS", "OUTERR-V1-FORBIDDEN-ERRCODE"}},
		{"403 M_FORBIDDEN, but the invite stored", answered(403, forbidden), true, []string{"OUTERR-V1-FORBIDDEN"}},
		{"500 M_UNKNOWN", answered(500, `{"errcode":"M_UNKNOWN","error":"x"}`), false,
			[]string{"OUTERR-V1-FORBIDDEN-STATUS", "OUTERR-V1-FORBIDDEN-ERRCODE"}},
		{"403 M_UNKNOWN", answered(403, `{"errcode":"M_UNKNOWN","error":"x"}`), false, []string{"OUTERR-V1-FORBIDDEN-ERRCODE"}},
		{"502 M_FORBIDDEN", answered(502, forbidden), false, []string{"OUTERR-V1-FORBIDDEN-STATUS"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			RegisterTestingT(t)
			iv := v1RefusedScene(t, c.invited)
			iv.res = c.res
			for _, check := range v1ForbiddenChecks {
				f := InterceptGomegaFailures(func() { check.check(t.Context(), iv) })
				want := false
				for _, id := range c.fail {
					want = want || id == check.rule.ID
				}
				switch {
				case want && len(f) == 0:
					t.Errorf("%s passes on %s", check.rule.ID, c.name)
				case !want && len(f) != 0:
					t.Errorf("%s fails on %s: %q", check.rule.ID, c.name, f)
				case want && !strings.Contains(f[0], "what the homeserver sent the mock:"):
					t.Errorf("%s's failure does not show the exchanges: %q", check.rule.ID, f[0])
				}
			}
		})
	}
}

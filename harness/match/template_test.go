package match

import (
	"strings"
	"testing"

	"github.com/onsi/gomega/types"

	"herald/harness/fingerprint"
)

func TestBeMembershipTemplate(t *testing.T) {
	const room, carol = "!r:hs", "@carol:mock"
	valid := `{"room_version":"10","event":{"room_id":"!r:hs","type":"m.room.member","sender":"@carol:mock","state_key":"@carol:mock","content":{"membership":"leave"},"origin_server_ts":1,"depth":3}}`
	m := func() types.GomegaMatcher { return BeMembershipTemplate(room, carol, "leave", "10") }
	passes(t, m(), response(200, valid))
	passes(t, BeMembershipTemplate(room, carol, "leave", "1"),
		response(200, strings.Replace(valid, `"room_version":"10",`, "", 1)))

	for name, c := range map[string]struct{ body, want string }{
		"wrong membership":  {strings.Replace(valid, `"membership":"leave"`, `"membership":"join"`, 1), `event.content.membership is "join", want "leave"`},
		"another state_key": {strings.Replace(valid, `"state_key":"@carol:mock"`, `"state_key":"@dave:mock"`, 1), `event.state_key is "@dave:mock"`},
		"another sender":    {strings.Replace(valid, `"sender":"@carol:mock"`, `"sender":"@alice:hs"`, 1), `event.sender is "@alice:hs"`},
		"another room":      {strings.Replace(valid, `"room_id":"!r:hs"`, `"room_id":"!other:hs"`, 1), `event.room_id is "!other:hs"`},
		"another type":      {strings.Replace(valid, `"type":"m.room.member"`, `"type":"m.room.topic"`, 1), `event.type is "m.room.topic"`},
		"no content":        {strings.Replace(valid, `"content":{"membership":"leave"},`, "", 1), "event.content.membership is missing"},
		"another version":   {strings.Replace(valid, `"room_version":"10"`, `"room_version":"9"`, 1), `room_version is "9", not "10"`},
		"no version":        {strings.Replace(valid, `"room_version":"10",`, "", 1), "room_version is missing"},
		"no event":          {`{"room_version":"10"}`, "event is missing"},
		"not an object":     {`[]`, "not a JSON object"},
	} {
		t.Run(name, func(t *testing.T) { fails(t, m(), response(200, c.body), c.want, "observed: template:") })
	}

	mt := m()
	fails(t, mt, response(403, `{"errcode":"M_FORBIDDEN","error":"no"}`), "status 403 M_FORBIDDEN, not 200")
	if got := fingerprint.Of(mt.FailureMessage(nil)); !strings.Contains(got, "403") {
		t.Errorf("fingerprint of a refused make_leave = %q", got)
	}
	mw := m()
	mw.Match(response(200, strings.Replace(valid, `"state_key":"@carol:mock"`, `"state_key":"@dave:mock"`, 1)))
	if got := fingerprint.Of(mw.FailureMessage(nil)); got != "template: event.state_key" {
		t.Errorf("fingerprint of a wrong state_key = %q", got)
	}
}

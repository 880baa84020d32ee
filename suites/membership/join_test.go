package membership

import (
	"strings"
	"testing"
)

// The check of MEM-JOINBYID-*-INVITED (and every join that must succeed).
func TestExpectJoined(t *testing.T) {
	if f := failures(t, func() { expectJoined(answer(200, `{"room_id":"!r:hs"}`), nil, "!r:hs", "a join") }); len(f) != 0 {
		t.Errorf("a 200 naming the room fails the check: %q", f)
	}
	for _, c := range []struct {
		status int
		body   string
		says   string
	}{
		{403, `{"errcode":"M_FORBIDDEN","error":"You are not invited to this room."}`, "answered 403, not 200"},
		{200, `{}`, "must name the joined room in room_id"},
		{200, `{"room_id":"!other:hs"}`, "must name the joined room in room_id"},
		{200, `[]`, "not a JSON object"},
	} {
		f := failures(t, func() { expectJoined(answer(c.status, c.body), nil, "!r:hs", "a join") })
		if len(f) == 0 || !strings.Contains(f[0], c.says) {
			t.Errorf("expectJoined(%d %s) failures %q, want one saying %q", c.status, c.body, f, c.says)
		}
	}
}

package membership

import (
	"testing"

	"herald/harness/csapi"
)

// inviteStateContent is what every MEM-INVITE-STRIPPED rule judges: shown
// finding each listed event and missing the ones a server left out.
func TestInviteStateContent(t *testing.T) {
	body := `{"next_batch":"s1","rooms":{"invite":{"!r:hs":{"invite_state":{"events":[
		{"type":"m.room.create","state_key":"","sender":"@a:hs","content":{"room_version":"10"}},
		{"type":"m.room.name","state_key":"","sender":"@a:hs","content":{"name":"tea"}},
		{"type":"m.room.member","state_key":"@b:hs","sender":"@a:hs","content":{"membership":"invite"}}]}}}}}`
	sr, err := csapi.ParseSync(&csapi.Response{StatusCode: 200, Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := inviteStateContent(sr, "!r:hs", "m.room.name"); !ok || c["name"] != "tea" {
		t.Errorf("m.room.name: %v, %t", c, ok)
	}
	for _, missing := range []string{"m.room.avatar", "m.room.canonical_alias", "m.room.encryption", "m.room.topic", "m.room.join_rules"} {
		if c, ok := inviteStateContent(sr, "!r:hs", missing); ok {
			t.Errorf("%s found in an invite_state without it: %v", missing, c)
		}
	}
	if _, ok := inviteStateContent(sr, "!other:hs", "m.room.create"); ok {
		t.Error("the create event of another room's invite was found")
	}
}

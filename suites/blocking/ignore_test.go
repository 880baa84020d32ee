package blocking

import (
	"strings"
	"testing"

	"herald/harness/csapi"
)

// syncListing is a /sync answer whose rooms.invite lists the given rooms.
func syncListing(t *testing.T, invited ...string) *csapi.SyncResponse {
	t.Helper()
	rooms := make([]string, len(invited))
	for i, r := range invited {
		rooms[i] = `"` + r + `":{"invite_state":{"events":[]}}`
	}
	sr, err := csapi.ParseSync(&csapi.Response{StatusCode: 200, Body: []byte(`{"next_batch":"s1","rooms":{"invite":{` + strings.Join(rooms, ",") + `}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

// The check of IGNORE-INVITE-SYNC*, shown failing on a /sync that serves
// the ignored invite and passing on one that does not.
func TestIgnoredServed(t *testing.T) {
	const ignored, marker = "!ignored:hs", "!marker:hs"
	if p := ignoredServed([]*csapi.SyncResponse{syncListing(t), syncListing(t, marker)}, ignored); p != nil {
		t.Errorf("syncs without the ignored invite have problems: %q", p)
	}
	for _, c := range []struct {
		name  string
		syncs []*csapi.SyncResponse
		says  string
	}{
		{"served with the marker", []*csapi.SyncResponse{syncListing(t, ignored, marker)}, "response #1 of 1 lists !ignored:hs under rooms.invite"},
		{"served before the marker", []*csapi.SyncResponse{syncListing(t, ignored), syncListing(t, marker)}, "response #1 of 2 lists"},
		{"served once in the middle", []*csapi.SyncResponse{syncListing(t), syncListing(t, ignored), syncListing(t, marker)}, "response #2 of 3 lists"},
	} {
		p := ignoredServed(c.syncs, ignored)
		if len(p) != 1 || !strings.Contains(p[0], c.says) {
			t.Errorf("%s: ignoredServed = %q, want one problem saying %q", c.name, p, c.says)
		}
	}
}

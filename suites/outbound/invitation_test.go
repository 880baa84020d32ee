package outbound

import (
	"testing"

	"herald/harness/federation"
	"herald/harness/mockhttp"
)

func TestPathIDs(t *testing.T) {
	good := []struct{ uri, room, event string }{
		{"/_matrix/federation/v2/invite/%21abc%3Ahs1/%24ev%3Ahs1", "!abc:hs1", "$ev:hs1"},
		{"/_matrix/federation/v1/invite/!abc:hs1/$Aa-_9", "!abc:hs1", "$Aa-_9"},
		{"/_matrix/federation/v2/invite/%21r/%24a%2Fb%2Bc?x=1", "!r", "$a/b+c"},
	}
	for _, c := range good {
		room, event, err := pathIDs(federation.Exchange{Exchange: mockhttp.Exchange[federation.Route]{URI: c.uri}})
		if err != nil || room != c.room || event != c.event {
			t.Errorf("pathIDs(%s) = %q, %q, %v; want %q, %q", c.uri, room, event, err, c.room, c.event)
		}
	}
	for _, uri := range []string{
		"/_matrix/federation/v2/send_join/%21r/%24e",
		"/_matrix/federation/v2/invite/%21r",
		"/_matrix/federation/v2/invite/%21r/%24e/extra",
		"/_matrix/federation/v2/invite/%21r/%zz",
	} {
		if room, event, err := pathIDs(federation.Exchange{Exchange: mockhttp.Exchange[federation.Route]{URI: uri}}); err == nil {
			t.Errorf("pathIDs(%s) = %q, %q: want an error", uri, room, event)
		}
	}
}

package homeserver

import (
	"strings"
	"testing"

	"herald/harness/docker"
)

func TestOverlayHintNamesTheStateDirectory(t *testing.T) {
	hint := overlayHint("hs1", docker.Written{Bytes: 40 << 20, Dirs: []string{"/dendrite", "/root"}})
	for _, want := range []string{"hs1 wrote 40 MiB", "under /dendrite", "HS_TMPFS=/dendrite", "tmpfs: [/dendrite]"} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint lacks %q: %s", want, hint)
		}
	}
	if h := overlayHint("hs1", docker.Written{Bytes: 300 << 10, Dirs: []string{"/data"}}); h != "" {
		t.Errorf("a server that wrote 300 KiB got a hint: %s", h)
	}
}

package homeserver

import (
	"context"
	"fmt"

	"herald/harness/docker"
)

// overlayThreshold is how much a run may write into the container's own
// layered file system before Herald calls it the server's state: Herald's
// images, with their state in memory, write well under a megabyte.
const overlayThreshold = 8 << 20

// OverlayHint says, in one line, that the server kept its state in the
// container's layered file system (every write there goes through the
// storage driver, which can slow a run several times over) and how to
// mount that directory in memory; empty when it did not.
func (hs *Homeserver) OverlayHint(ctx context.Context) (string, error) {
	w, err := hs.ctr.Written(ctx)
	if err != nil {
		return "", err
	}
	return overlayHint(hs.ServerName, w), nil
}

func overlayHint(server string, w docker.Written) string {
	if w.Bytes < overlayThreshold || len(w.Dirs) == 0 {
		return ""
	}
	dir := w.Dirs[0]
	return fmt.Sprintf("%s wrote %d MiB into its container's layered file system, most of it under %s: a server whose state sits there runs slowly. "+
		"Mount it in memory: HS_TMPFS=%s (or tmpfs: [%s] for this homeserver in ginkgo.yaml).",
		server, w.Bytes>>20, dir, dir, dir)
}

package docker

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// An image is rebuilt when what it was built from changes, and only then.
func TestSourceDigest(t *testing.T) {
	write := func(dir string) {
		t.Helper()
		os.MkdirAll(filepath.Join(dir, "synapse"), 0o755)
		os.WriteFile(filepath.Join(dir, "synapse", "Dockerfile"), []byte("FROM x\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "start.sh"), []byte("#!/bin/sh\n"), 0o755)
	}
	digest := func(dir, dockerfile string) string {
		t.Helper()
		d, err := sourceDigest(dir, dockerfile)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b := t.TempDir(), t.TempDir()
	write(a)
	write(b)
	base := digest(a, "synapse/Dockerfile")
	if got := digest(b, "synapse/Dockerfile"); got != base {
		t.Errorf("two copies of the same files give different digests")
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(b, "start.sh"), old, old)
	if got := digest(b, "synapse/Dockerfile"); got != base {
		t.Errorf("a file's time changed the digest")
	}
	for name, change := range map[string]func(dir string){
		"content":    func(dir string) { os.WriteFile(filepath.Join(dir, "start.sh"), []byte("#!/bin/bash\n"), 0o755) },
		"mode":       func(dir string) { os.Chmod(filepath.Join(dir, "start.sh"), 0o644) },
		"a new file": func(dir string) { os.WriteFile(filepath.Join(dir, "synapse", "extra"), nil, 0o644) },
		"a rename":   func(dir string) { os.Rename(filepath.Join(dir, "start.sh"), filepath.Join(dir, "begin.sh")) },
	} {
		dir := t.TempDir()
		write(dir)
		change(dir)
		if digest(dir, "synapse/Dockerfile") == base {
			t.Errorf("%s did not change the digest", name)
		}
	}
	if digest(a, "dendrite/Dockerfile") == base {
		t.Errorf("another Dockerfile gave the same digest")
	}
}

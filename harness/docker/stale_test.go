package docker

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
)

// An image Herald built is used while its folder is unchanged, and built
// again once a file in it changes: a checkout with new dockerfiles/ never
// runs the old image.
func TestEnsureImageRebuildsWhenItsFolderChanges(t *testing.T) {
	ctx, e := engineForTest(t, 2*time.Minute)
	id := newID()
	base, ref := "herald-test-base:"+id, "herald-test-stale:"+id
	defer func() {
		for _, r := range []string{ref, base} {
			e.cli.ImageRemove(context.Background(), r, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		}
	}()

	// A base with no layers to fetch: FROM scratch and one file.
	baseDir := t.TempDir()
	os.WriteFile(filepath.Join(baseDir, "Dockerfile"), []byte("FROM scratch\nCOPY base.txt /\n"), 0o644)
	os.WriteFile(filepath.Join(baseDir, "base.txt"), []byte("base\n"), 0o644)
	if err := e.Build(ctx, BuildSpec{Tag: base, Context: baseDir}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "hs"), 0o755)
	os.WriteFile(filepath.Join(dir, "hs", "Dockerfile"), []byte("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY start.sh /\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "start.sh"), []byte("one\n"), 0o755)
	ensure := func() string {
		t.Helper()
		var log bytes.Buffer
		err := e.EnsureImage(ctx, ImageSpec{Ref: ref, Build: dir, Dockerfile: "hs/Dockerfile", Base: BaseSpec{Image: base}, Log: &log})
		if err != nil {
			t.Fatal(err)
		}
		return log.String()
	}
	if log := ensure(); !strings.Contains(log, "building "+ref) {
		t.Fatalf("the first EnsureImage did not build:\n%s", log)
	}
	if log := ensure(); log != "" {
		t.Errorf("an unchanged folder rebuilt the image:\n%s", log)
	}
	os.WriteFile(filepath.Join(dir, "start.sh"), []byte("two\n"), 0o755)
	if log := ensure(); !strings.Contains(log, "built from other files than") || !strings.Contains(log, "building "+ref) {
		t.Errorf("a changed start.sh did not rebuild the image:\n%s", log)
	}
	if log := ensure(); log != "" {
		t.Errorf("the rebuilt image was rebuilt again:\n%s", log)
	}
}

// RemoveImage removes an image built FROM another and leaves that one, and
// an image already gone is no error.
func TestRemoveImageKeepsWhatItWasBuiltFrom(t *testing.T) {
	ctx, e := engineForTest(t, 2*time.Minute)
	id := newID()
	base, ref := "herald-test-base:"+id, "herald-test-child:"+id
	defer e.cli.ImageRemove(context.Background(), base, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY base.txt /\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "base.txt"), []byte("base\n"), 0o644)
	if err := e.Build(ctx, BuildSpec{Tag: base, Context: dir}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM "+base+"\nCOPY child.txt /\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "child.txt"), []byte("child\n"), 0o644)
	if err := e.Build(ctx, BuildSpec{Tag: ref, Context: dir}); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveImage(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.ImageExists(ctx, ref); err != nil || ok {
		t.Errorf("%s still exists after RemoveImage (%v)", ref, err)
	}
	if ok, err := e.ImageExists(ctx, base); err != nil || !ok {
		t.Errorf("removing %s took %s with it (%v)", ref, base, err)
	}
	if err := e.RemoveImage(ctx, ref); err != nil {
		t.Errorf("removing an image already gone: %v", err)
	}
}

// An image a user tagged with the name of an image Herald builds is used
// as it is, however the folder changes; an image Herald cannot build must
// exist or be pullable, and one that is neither gets one line saying so.
func TestEnsureImageUsesAnImageItDidNotBuild(t *testing.T) {
	ctx, e := engineForTest(t, 2*time.Minute)
	id := newID()
	ref := "herald-test-own:" + id
	defer e.cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})

	// Built as a user would, without Herald's labels.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY own.txt /\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "own.txt"), []byte("own\n"), 0o644)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarDir(pw, dir)) }()
	res, err := e.cli.ImageBuild(ctx, pr, client.ImageBuildOptions{Tags: []string{ref}, Remove: true, Version: build.BuilderV1})
	if err != nil {
		t.Fatal(err)
	}
	err = readStream(res.Body, io.Discard)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}

	// Herald's build context for that name holds other files.
	herald := t.TempDir()
	os.WriteFile(filepath.Join(herald, "Dockerfile"), []byte("FROM scratch\nCOPY herald.txt /\n"), 0o644)
	os.WriteFile(filepath.Join(herald, "herald.txt"), []byte("herald\n"), 0o644)
	var log bytes.Buffer
	if err := e.EnsureImage(ctx, ImageSpec{Ref: ref, Build: herald, Log: &log}); err != nil || log.Len() > 0 {
		t.Errorf("the user's image was not used as it is (%v):\n%s", err, log.String())
	}

	// HS_IMAGE alone: nothing to build from.
	if err := e.EnsureImage(ctx, ImageSpec{Ref: ref}); err != nil {
		t.Errorf("a present image Herald cannot build: %v", err)
	}
	absent := "herald-test-absent:" + id
	err = e.EnsureImage(ctx, ImageSpec{Ref: absent})
	if err == nil || !strings.Contains(err.Error(), "image "+absent+" does not exist locally and cannot be pulled") || strings.Contains(err.Error(), "\n") {
		t.Errorf("an image that neither exists nor can be pulled: %v", err)
	}
}

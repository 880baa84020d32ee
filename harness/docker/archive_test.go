package docker

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// headers reads every header of a tar stream.
func headers(t *testing.T, r io.Reader) []*tar.Header {
	t.Helper()
	var hs []*tar.Header
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return hs
		}
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
}

func TestTarFilesCreatesParentsAndModes(t *testing.T) {
	buf, err := tarFiles(map[string]File{
		"/complement/ca/ca.key": {Content: []byte("secret"), Mode: 0o600},
		"/complement/ca/ca.crt": {Content: []byte("cert")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, h := range headers(t, buf) {
		got[h.Name] = h.Mode
	}
	want := map[string]int64{"complement/": 0o755, "complement/ca/": 0o755, "complement/ca/ca.crt": 0o644, "complement/ca/ca.key": 0o600}
	for name, mode := range want {
		if got[name] != mode {
			t.Errorf("%s: mode %o, want %o (archive: %v)", name, got[name], mode, got)
		}
	}
	if _, err := tarFiles(map[string]File{"relative/path": {}}); err == nil {
		t.Error("a relative path was accepted")
	}
}

func TestTarDirHoldsTheBuildContext(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM x\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "build"), 0o755)
	os.WriteFile(filepath.Join(dir, "build", "go.mod"), []byte("module m\n"), 0o644)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarDir(pw, dir)) }()
	var names []string
	for _, h := range headers(t, pr) {
		names = append(names, h.Name)
	}
	if strings.Join(names, ",") != "Dockerfile,build,build/go.mod" {
		t.Fatalf("context = %v", names)
	}
}

func TestReadStreamReportsEngineErrors(t *testing.T) {
	var out strings.Builder
	err := readStream(strings.NewReader(`{"stream":"Step 1/2\n"}{"status":"Pulling"}{"error":"apt-get failed","errorDetail":{"message":"apt-get failed"}}`), &out)
	if err == nil || err.Error() != "apt-get failed" {
		t.Fatalf("err = %v", err)
	}
	if out.String() != "Step 1/2\nPulling\n" {
		t.Fatalf("output = %q", out.String())
	}
	if err := readStream(strings.NewReader(`{"stream":`), io.Discard); err == nil {
		t.Fatal("a cut-off stream was not reported")
	}
	if err := readStream(strings.NewReader(``), io.Discard); err != nil {
		t.Fatalf("an empty stream: %v", err)
	}
}

package foreignimage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Source is a homeserver's published source and the Complement Dockerfile
// in it: Module is a Go module path with its version
// ("github.com/matrix-org/dendrite@v0.13.8"), Dockerfile a path inside it.
type Source struct {
	Module     string
	Dockerfile string
}

// Context is a build context made from a Source: a copy of the module's
// files with the rewritten Dockerfile beside them.
type Context struct {
	// Dir is the context directory; its Dockerfile is the rewritten one.
	Dir string
	// Changes lists every edit made to the original Dockerfile, and
	// Restored the files given back their executable bit.
	Changes  []Change
	Restored []string
}

// Remove deletes the context directory.
func (c *Context) Remove() error { return os.RemoveAll(c.Dir) }

// Prepare downloads the module through the Go module proxy (the go command
// verifies it against the checksum database or GONOSUMDB as usual), copies it
// into a fresh directory and rewrites its Dockerfile for base.
//
// Module zips keep no file modes, so a file that starts with "#!" gets its
// executable bit back, as the repository has it.
func Prepare(ctx context.Context, src Source, base string, available func(string) bool, log io.Writer) (*Context, error) {
	if !strings.Contains(src.Module, "@") {
		return nil, fmt.Errorf("source %q: want module@version", src.Module)
	}
	dir, err := download(ctx, src.Module)
	if err != nil {
		return nil, err
	}
	original, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(src.Dockerfile)))
	if err != nil {
		return nil, fmt.Errorf("%s has no %s: %w", src.Module, src.Dockerfile, err)
	}
	rewritten, changes, err := Rewrite(original, base, available)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", src.Module, src.Dockerfile, err)
	}
	out, err := os.MkdirTemp("", "herald-foreign-*")
	if err != nil {
		return nil, err
	}
	c := &Context{Dir: out, Changes: changes}
	if c.Restored, err = copyTree(dir, out); err != nil {
		c.Remove()
		return nil, fmt.Errorf("copying %s: %w", src.Module, err)
	}
	// The context's own Dockerfile (if any) is replaced: the build reads this one.
	if err := os.WriteFile(filepath.Join(out, "Dockerfile"), rewritten, 0o644); err != nil {
		c.Remove()
		return nil, err
	}
	fmt.Fprintf(log, "%s %s: %d change(s) for Herald's build\n", src.Module, src.Dockerfile, len(changes))
	for _, ch := range changes {
		fmt.Fprintf(log, "  %s\n", ch)
	}
	if len(c.Restored) > 0 {
		fmt.Fprintf(log, "  executable bit given back to %d file(s) starting with #! (module zips keep no modes)\n", len(c.Restored))
	}
	return c, nil
}

// download fetches module@version into the module cache and returns its directory.
func download(ctx context.Context, module string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var info struct{ Dir, Error string }
	json.Unmarshal(stdout.Bytes(), &info)
	if err != nil || info.Dir == "" {
		reason := strings.TrimSpace(info.Error + " " + stderr.String())
		return "", fmt.Errorf("downloading %s through the Go module proxy: %v %s", module, err, reason)
	}
	return info.Dir, nil
}

// copyTree copies regular files and directories from src to dst, making
// files that start with "#!" executable; it returns those files.
func copyTree(src, dst string) ([]string, error) {
	var restored []string
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if bytes.HasPrefix(data, []byte("#!")) {
			mode = 0o755
			restored = append(restored, filepath.ToSlash(rel))
		}
		return os.WriteFile(target, data, mode)
	})
	return restored, err
}

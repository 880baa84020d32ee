package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"herald/harness/config"
	"herald/harness/docker"
	"herald/harness/homeserver"
)

// How a mutant's image is made: the server's image with one file of its
// code changed. A server written in Python is changed where its package is
// installed; a server compiled from Go is compiled again from a changed
// copy of its module, in the stage of its Dockerfile that compiled it.

// goSource says how the mutants of a Go server are compiled.
type goSource struct {
	// Stage is the stage of the server's Dockerfile that compiles it. Its
	// working directory holds the go.mod that requires Module, and its Go
	// build cache makes a mutant's build compile only what the change
	// touches.
	Stage string `json:"stage"`
	// Module is the Go module whose files the mutants change, unless a
	// mutant names another module of the build.
	Module string `json:"module"`
	// Binaries are the programs compiled again, and where the server's
	// image keeps each.
	Binaries []goBinary `json:"binaries"`
}

// goBinary is one program of a Go server.
type goBinary struct {
	// Package is its main package's import path.
	Package string `json:"package"`
	// Path is the file the server's image runs.
	Path string `json:"path"`
}

var (
	goImportPath = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]*(/[A-Za-z0-9._~-]+)*$`)
	stageName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

func (g goSource) check() error {
	if !stageName.MatchString(g.Stage) {
		return fmt.Errorf("go: stage %q is not a Dockerfile stage name", g.Stage)
	}
	if !goImportPath.MatchString(g.Module) {
		return fmt.Errorf("go: module %q is not a Go module path", g.Module)
	}
	if len(g.Binaries) == 0 {
		return fmt.Errorf("go: no binaries: name what the mutants compile again")
	}
	seen := map[string]bool{}
	for _, b := range g.Binaries {
		switch {
		case !goImportPath.MatchString(b.Package):
			return fmt.Errorf("go: binary %q is not a Go package path", b.Package)
		case !path.IsAbs(b.Path) || path.Clean(b.Path) != b.Path:
			return fmt.Errorf("go: binary %s: path %q is not a clean absolute path", b.Package, b.Path)
		case seen[path.Base(b.Package)]:
			return fmt.Errorf("go: two binaries named %s", path.Base(b.Package))
		}
		seen[path.Base(b.Package)] = true
	}
	return nil
}

// mutantBase is what every mutant of a set is built from.
type mutantBase struct {
	set   mutantSet
	image string // the server's image
	user  string // the user its image runs as ("" for root)
	stage string // for a Go server: the image of its compiling stage
}

// prepareMutants makes what the mutants of set are built from; for a Go
// server, the image of the Dockerfile stage that compiles it (from the layer
// cache, when the server's image was built from the same files), which
// remove deletes.
func (r *runner) prepareMutants(ctx context.Context, c *config.Config, set mutantSet, image string) (b mutantBase, remove func(), err error) {
	b = mutantBase{set: set, image: image}
	remove = func() {}
	if b.user, err = r.engine.ImageUser(ctx, image); err != nil {
		return b, remove, err
	}
	if set.Go == nil {
		return b, remove, nil
	}
	if c.Homeserver.Build == "" {
		return b, remove, fmt.Errorf("the mutants of %s compile it in its Dockerfile's stage %q: give the homeserver a build context and Dockerfile in %s", c.HS, set.Go.Stage, config.FileName)
	}
	spec := homeserver.Image(c, os.Stderr)
	spec.Ref, spec.Target, spec.Rebuild = mutantImage(image, "stage-"+set.Go.Stage), set.Go.Stage, true
	fmt.Fprintf(os.Stderr, "mutants: building stage %s of %s as %s…\n", set.Go.Stage, image, spec.Ref)
	start := time.Now()
	if err := r.engine.EnsureImage(ctx, spec); err != nil {
		return b, remove, err
	}
	fmt.Fprintf(os.Stderr, "mutants: stage %s built in %s\n", set.Go.Stage, time.Since(start).Round(100*time.Millisecond))
	b.stage = spec.Ref
	return b, func() { r.removeImage(ctx, spec.Ref) }, nil
}

// removeImage removes an image Herald made for a while, also when ctx has
// ended, and says so when it cannot.
func (r *runner) removeImage(ctx context.Context, ref string) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := r.engine.RemoveImage(rctx, ref); err != nil {
		fmt.Fprintln(os.Stderr, "mutants:", err)
	}
}

// buildMutant builds ref with m's change made; the build fails unless the
// find text occurs exactly once in the file.
func (r *runner) buildMutant(ctx context.Context, b mutantBase, ref string, m mutant) error {
	dir := filepath.Join(r.work, "mutant-"+m.Name+"-image")
	var err error
	if b.set.Go != nil {
		err = writeGoMutantContext(dir, *b.set.Go, b.stage, b.image, m)
	} else {
		err = writeMutantContext(dir, b.set.Package, b.image, b.user, m)
	}
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var log bytes.Buffer
	if err := r.engine.Build(ctx, docker.BuildSpec{Tag: ref, Context: dir, Log: &log}); err != nil {
		return fmt.Errorf("%w\n%s", err, patchLines(log.String()))
	}
	return nil
}

// patchLines picks the patch script's own lines out of a build's output;
// when the change was made and the build failed after it (the changed code
// does not compile), the build's last lines follow, which say why.
func patchLines(log string) string {
	var mine []string
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "herald-mutant:") {
			mine = append(mine, l)
		}
	}
	if len(mine) == 0 || strings.HasPrefix(mine[len(mine)-1], "herald-mutant: changed") {
		mine = append(mine, lines[max(0, len(lines)-15):]...)
	}
	return strings.Join(mine, "\n")
}

// patchScript makes one mutant's change inside the image. It finds the
// package's directory through Python, refuses any file outside it, and
// fails the build unless the find text occurs exactly once: a new release
// of the server never silently yields an image that is not a mutant. The
// file is compiled again, so the change must still be valid Python.
const patchScript = `import importlib.util, os, py_compile, sys

here = os.path.dirname(os.path.abspath(__file__))
def read(name):
    with open(os.path.join(here, name), encoding="utf-8") as f:
        return f.read()

package, rel = read("package").strip(), read("file").strip()
find, replace = read("find"), read("replace")
spec = importlib.util.find_spec(package)
if spec is None or not spec.submodule_search_locations:
    sys.exit("herald-mutant: no Python package %s in this image" % package)
root = os.path.realpath(list(spec.submodule_search_locations)[0])
target = os.path.realpath(os.path.join(root, rel))
if not target.startswith(root + os.sep) or not os.path.isfile(target):
    sys.exit("herald-mutant: no file %s in %s" % (rel, root))
with open(target, encoding="utf-8") as f:
    text = f.read()
n = text.count(find)
if n != 1:
    sys.exit("herald-mutant: the find text occurs %d times in %s, not once: the server's code is not what this mutant was written for" % (n, target))
with open(target, "w", encoding="utf-8") as f:
    f.write(text.replace(find, replace))
py_compile.compile(target, doraise=True)
print("herald-mutant: changed %s" % target)
`

// writeMutantContext writes the build context of a Python server's mutant:
// the Dockerfile, the patch script and the mutant's texts, each in a file
// of its own so that no text passes through a shell.
func writeMutantContext(dir, pkg, base, user string, m mutant) error {
	var df strings.Builder
	fmt.Fprintf(&df, "FROM %s\n", base)
	df.WriteString("COPY mutant/ /tmp/herald-mutant/\n")
	if user != "" {
		df.WriteString("USER root\n")
	}
	df.WriteString("RUN python3 /tmp/herald-mutant/patch.py && rm -rf /tmp/herald-mutant\n")
	if user != "" {
		fmt.Fprintf(&df, "USER %s\n", user)
	}
	return writeFiles(dir, map[string]string{
		"Dockerfile":      df.String(),
		"mutant/patch.py": patchScript,
		"mutant/package":  pkg + "\n",
		"mutant/file":     m.File + "\n",
		"mutant/find":     m.Find,
		"mutant/replace":  m.Replace,
	})
}

// goPatchProgram makes one mutant's change in a writable copy of a Go
// module's source (its argument): the file must lie inside the copy, and
// the find text must occur in it exactly once. The compiler then judges
// whether the change is still Go.
const goPatchProgram = `package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	here := os.Args[1]
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(here, name))
		if err != nil {
			fail("%v", err)
		}
		return string(b)
	}
	root, rel := filepath.Clean(os.Args[2]), strings.TrimSpace(read("file"))
	find, replace := read("find"), read("replace")
	target := filepath.Join(root, rel)
	if !strings.HasPrefix(target, root+string(filepath.Separator)) {
		fail("the file %s is outside the module", rel)
	}
	b, err := os.ReadFile(target)
	if err != nil {
		fail("no file %s in the module: %v", rel, err)
	}
	if n := strings.Count(string(b), find); n != 1 {
		fail("the find text occurs %d times in %s, not once: the server's code is not what this mutant was written for", n, rel)
	}
	if err := os.WriteFile(target, []byte(strings.Replace(string(b), find, replace, 1)), 0o644); err != nil {
		fail("%v", err)
	}
	fmt.Println("herald-mutant: changed", rel)
}

func fail(format string, args ...any) {
	fmt.Println("herald-mutant: " + fmt.Sprintf(format, args...))
	os.Exit(1)
}
`

// writeGoMutantContext writes the build context of a Go server's mutant: in
// the server's compiling stage, a copy of the module with the change made
// replaces the module, the binaries are compiled again, and they replace
// the server image's own.
func writeGoMutantContext(dir string, g goSource, stage, base string, m mutant) error {
	module := g.Module
	if m.Module != "" {
		module = m.Module
	}
	// build.sh runs in the stage's working directory, where the go.mod that
	// requires the module is; its argument is where the binaries go.
	var build strings.Builder
	build.WriteString("set -eu\n")
	build.WriteString("here=\"$(cd \"$(dirname \"$0\")\" && pwd)\" out=\"$1\" copy=\"$(pwd)/herald-mutant-src\"\n")
	fmt.Fprintf(&build, "src=\"$(go list -m -f '{{.Dir}}' %s)\"\n", module)
	build.WriteString("rm -rf \"$copy\" && cp -r \"$src\" \"$copy\" && chmod -R u+w \"$copy\"\n")
	// The patch program is one file outside any module: module flags do not apply to it.
	build.WriteString("(cd \"$here\" && GOFLAGS= go run patch.go \"$here\" \"$copy\")\n")
	fmt.Fprintf(&build, "go mod edit -replace %s=./herald-mutant-src\n", module)
	build.WriteString("mkdir -p \"$out\"\n")
	build.WriteString("go build -trimpath -o \"$out/\"")
	for _, b := range g.Binaries {
		build.WriteString(" " + b.Package)
	}
	build.WriteString("\n")

	var df strings.Builder
	fmt.Fprintf(&df, "FROM %s AS mutant\n", stage)
	df.WriteString("USER root\n")
	df.WriteString("COPY mutant/ /tmp/herald-mutant/\n")
	df.WriteString("RUN sh /tmp/herald-mutant/build.sh /out/herald-mutant\n")
	fmt.Fprintf(&df, "FROM %s\n", base)
	for _, b := range g.Binaries {
		fmt.Fprintf(&df, "COPY --from=mutant /out/herald-mutant/%s %s\n", path.Base(b.Package), b.Path)
	}
	return writeFiles(dir, map[string]string{
		"Dockerfile":      df.String(),
		"mutant/build.sh": build.String(),
		"mutant/patch.go": goPatchProgram,
		"mutant/file":     m.File + "\n",
		"mutant/find":     m.Find,
		"mutant/replace":  m.Replace,
	})
}

// writeFiles writes files (paths relative to dir) under dir.
func writeFiles(dir string, files map[string]string) error {
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

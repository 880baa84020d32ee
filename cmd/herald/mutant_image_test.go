package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A Go server's mutant is compiled as its image's build does it: build.sh
// runs where a go.mod requires the server's module, copies the module,
// changes the one file and compiles the binaries again. Here the "server"
// is a two-line module and the binary says which rule it keeps.
func TestGoMutantBuildChangesExactlyOneOccurrence(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on this machine")
	}
	root := t.TempDir()
	server := filepath.Join(root, "server")
	write := func(p, text string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(server, "go.mod"), "module example.org/server\n\ngo 1.21\n")
	write(filepath.Join(server, "cmd", "server", "main.go"), "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Print(\"checks signatures\") }\n")
	g := goSource{Stage: "builder", Module: "example.org/server", Binaries: []goBinary{{Package: "example.org/server/cmd/server", Path: "/usr/local/bin/server"}}}
	if err := g.check(); err != nil {
		t.Fatal(err)
	}

	build := func(find, replace string) (binary, output string, err error) {
		t.Helper()
		work := t.TempDir()
		write(filepath.Join(work, "go.mod"), "module example.org/build\n\ngo 1.21\n\nrequire example.org/server v0.0.0\n\nreplace example.org/server => "+server+"\n")
		ctx := t.TempDir()
		m := mutant{Name: "m", File: "cmd/server/main.go", Find: find, Replace: replace}
		if err := writeGoMutantContext(ctx, g, "stage", "base", m); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "out")
		cmd := exec.Command("sh", filepath.Join(ctx, "mutant", "build.sh"), out)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "PATH="+filepath.Dir(goTool)+":"+os.Getenv("PATH"))
		text, err := cmd.CombinedOutput()
		return filepath.Join(out, "server"), string(text), err
	}

	bin, out, err := build(`"checks signatures"`, `"skips signatures"`)
	if err != nil {
		t.Fatalf("one occurrence: %v\n%s", err, out)
	}
	if said, err := exec.Command(bin).Output(); err != nil || string(said) != "skips signatures" {
		t.Errorf("the mutant binary says %q (%v), want the changed text", said, err)
	}
	if orig, _ := os.ReadFile(filepath.Join(server, "cmd", "server", "main.go")); !strings.Contains(string(orig), "checks signatures") {
		t.Errorf("the module itself was changed: %s", orig)
	}
	for name, find := range map[string]string{"none": `"no such text"`, "twice": "s"} {
		_, out, err := build(find, "x")
		if err == nil || !strings.Contains(patchLines(out), "herald-mutant: the find text occurs") {
			t.Errorf("%s: err %v, output %s", name, err, out)
		}
	}
	if _, out, err := build(`fmt.Print("checks signatures")`, `fmt.Print(`); err == nil {
		t.Errorf("a change that is not valid Go was compiled: %s", out)
	} else if lines := patchLines(out); !strings.Contains(lines, "herald-mutant: changed") || !strings.Contains(lines, "main.go") {
		t.Errorf("a change that does not compile: the lines shown do not say why:\n%s", lines)
	}
}

func TestGoMutantImageCopiesEachBinaryWhereTheImageKeepsIt(t *testing.T) {
	dir := t.TempDir()
	g := goSource{Stage: "builder", Module: "github.com/x/server", Binaries: []goBinary{
		{Package: "github.com/x/server/cmd/server", Path: "/usr/local/bin/server"},
		{Package: "github.com/x/server/cmd/keys", Path: "/usr/bin/keys"},
	}}
	if err := writeGoMutantContext(dir, g, "herald/server-mutant:stage-builder", "herald/server:latest", mutant{File: "f.go", Find: "a", Replace: "b"}); err != nil {
		t.Fatal(err)
	}
	df, _ := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	want := "FROM herald/server-mutant:stage-builder AS mutant\nUSER root\nCOPY mutant/ /tmp/herald-mutant/\nRUN sh /tmp/herald-mutant/build.sh /out/herald-mutant\n" +
		"FROM herald/server:latest\nCOPY --from=mutant /out/herald-mutant/server /usr/local/bin/server\nCOPY --from=mutant /out/herald-mutant/keys /usr/bin/keys\n"
	if string(df) != want {
		t.Errorf("Dockerfile:\n%s\nwant:\n%s", df, want)
	}
}

func TestGoSourceCheckRefusesIncompleteEntries(t *testing.T) {
	good := goSource{Stage: "builder", Module: "github.com/x/server", Binaries: []goBinary{{Package: "github.com/x/server/cmd/server", Path: "/usr/local/bin/server"}}}
	if err := good.check(); err != nil {
		t.Fatalf("a complete entry: %v", err)
	}
	for name, edit := range map[string]func(*goSource){
		"no stage":        func(g *goSource) { g.Stage = "" },
		"shell in stage":  func(g *goSource) { g.Stage = "a; rm -rf /" },
		"no module":       func(g *goSource) { g.Module = "" },
		"shell in module": func(g *goSource) { g.Module = "github.com/x/$(id)" },
		"no binaries":     func(g *goSource) { g.Binaries = nil },
		"shell in binary": func(g *goSource) { g.Binaries = []goBinary{{Package: "github.com/x/server/cmd/s;id", Path: "/s"}} },
		"relative path":   func(g *goSource) { g.Binaries = []goBinary{{Package: "github.com/x/server/cmd/s", Path: "bin/s"}} },
		"two of one name": func(g *goSource) {
			g.Binaries = append(g.Binaries, goBinary{Package: "github.com/x/server/other/server", Path: "/s"})
		},
	} {
		g := good
		g.Binaries = append([]goBinary(nil), good.Binaries...)
		edit(&g)
		if err := g.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	m := mutant{Name: "m", Rule: "§x", Change: "y", File: "f.go", Find: "a", Replace: "b", Labels: "invite-v2", CaughtBy: []string{"INV2-SIGNED"}}
	set := mutantSet{Homeserver: "x", Package: "synapse", Go: &good, Mutants: []mutant{m}}
	if err := set.check(); err == nil {
		t.Error("a set with both a package and a module: accepted")
	}
	set.Package = ""
	if err := set.check(); err != nil {
		t.Errorf("a Go set: %v", err)
	}
	set.Mutants[0].Module = "github.com/x/lib $(id)"
	if err := set.check(); err == nil {
		t.Error("a mutant's module that is no module path: accepted")
	}
	set.Mutants[0].Module = "github.com/x/lib"
	if err := set.check(); err != nil {
		t.Errorf("a mutant of a library: %v", err)
	}
	set.Go, set.Package = nil, "synapse"
	if err := set.check(); err == nil {
		t.Error("a Python mutant naming a Go module: accepted")
	}
}

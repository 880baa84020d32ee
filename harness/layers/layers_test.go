package layers

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// layers places every harness package (docs/ARCHITECTURE.md draws them):
// the primitives, the middle layer (clients, mocks, matchers, rules,
// reports, the homeserver under test), the test bed that specs ask for
// users and mocks, and the run, which sets all of it up.
var layers = map[string]int{
	"harness/matrix": primitive, "harness/pki": primitive, "harness/docker": primitive,
	"harness/config": primitive, "harness/fingerprint": primitive, "harness/foreignimage": primitive,

	"harness/conformance": middle, "harness/report": middle,
	"harness/coverage": middle, "harness/match": middle, "harness/csapi": middle,
	"harness/federation": middle, "harness/identity": middle, "harness/mockhttp": middle,
	"harness/mockhttp/mocktest": middle, "harness/homeserver": middle,

	"harness/testbed": testbed,
	"harness/run":     run,
}

const (
	primitive = iota
	middle
	testbed
	run
)

// The house rules over the import graph: suites sit on the harness, every
// harness package imports only layers below its own (the middle layer's
// packages also each other), only the suite's test registers the run, the
// mocks never know what a homeserver under test is, the matchers know only
// JSON and the protocol, and the primitives
// (protocol, certificates, engine, profile, fingerprints) import no other
// Herald package.
func TestImportsPointDown(t *testing.T) {
	imports := herald(t)
	for pkg, deps := range imports {
		p, ok := strings.CutPrefix(pkg, "herald/")
		if !ok || !strings.HasPrefix(p, "harness/") || p == "harness/layers" {
			continue
		}
		l, ok := layers[p]
		if !ok {
			t.Errorf("%s is in no layer: place it in harness/layers and docs/ARCHITECTURE.md", p)
			continue
		}
		for _, dep := range deps {
			d := strings.TrimPrefix(dep, "herald/")
			dl, ok := layers[d]
			if ok && (dl < l || dl == l && l == middle) {
				continue
			}
			if ok {
				t.Errorf("%s imports %s, which is not below it: layers point down only", p, d)
			}
		}
	}
	// The run is the suite's lifecycle: suites/herald_test.go alone
	// registers it, and hands the specs its test bed.
	for pkg, deps := range imports {
		for _, dep := range deps {
			if dep == "herald/harness/run" {
				t.Errorf("%s imports harness/run: only suites/herald_test.go registers the run", strings.TrimPrefix(pkg, "herald/"))
			}
		}
	}
	primitives := []string{"harness/matrix", "harness/pki", "harness/docker", "harness/config", "harness/fingerprint", "harness/foreignimage"}
	for _, p := range primitives {
		for _, dep := range imports["herald/"+p] {
			t.Errorf("%s is a primitive but imports %s", p, dep)
		}
	}
	mocks := []string{"harness/mockhttp", "harness/mockhttp/mocktest", "harness/federation", "harness/identity"}
	for _, p := range mocks {
		for _, dep := range imports["herald/"+p] {
			switch dep {
			case "herald/harness/homeserver", "herald/harness/docker", "herald/harness/config":
				t.Errorf("%s is a mock but imports %s: a mock knows peers, not the homeserver under test", p, dep)
			}
		}
	}
	// Matchers judge JSON values: they read answers and events through
	// small interfaces, never the clients' or the mocks' types.
	for _, dep := range imports["herald/harness/match"] {
		switch dep {
		case "herald/harness/matrix":
		default:
			t.Errorf("harness/match imports %s: matchers judge JSON values and know only the protocol (harness/matrix)", dep)
		}
	}
	for pkg, deps := range imports {
		if !strings.HasPrefix(pkg, "herald/harness/") {
			continue
		}
		for _, dep := range deps {
			if strings.HasPrefix(dep, "herald/suites") || strings.HasPrefix(dep, "herald/cmd") {
				t.Errorf("%s (harness) imports %s: layers point down only", pkg, dep)
			}
		}
	}
}

// herald maps each Herald package to the Herald packages it imports
// (tests' imports not included).
func herald(t *testing.T) map[string][]string {
	t.Helper()
	// go test caches results by the files a test opens; go list's reads
	// are not seen, so every source file is opened here, and a changed
	// import anywhere runs the test again.
	filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
			if f, err := os.Open(p); err == nil {
				f.Close()
			}
		}
		return nil
	})
	out, err := exec.Command("go", "list", "-json", "herald/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	graph := map[string][]string{}
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "herald/") {
				graph[p.ImportPath] = append(graph[p.ImportPath], imp)
			}
		}
		if _, ok := graph[p.ImportPath]; !ok {
			graph[p.ImportPath] = nil
		}
	}
	if len(graph) < 10 {
		t.Fatalf("go list found only %d packages", len(graph))
	}
	return graph
}

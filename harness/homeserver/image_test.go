package homeserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"herald/harness/config"
)

// copied is one COPY or ADD of a Dockerfile that takes files from the
// build context.
type copied struct {
	sources []string // paths inside the build context
	dest    string
}

// contextCopies lists what a Dockerfile takes from its build context
// (COPY --from=<stage> takes from a stage, not the context).
func contextCopies(dockerfile string) []copied {
	joined := strings.ReplaceAll(dockerfile, "\\\n", " ")
	var out []copied
	for _, line := range strings.Split(joined, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 3 || (!strings.EqualFold(fields[0], "COPY") && !strings.EqualFold(fields[0], "ADD")) {
			continue
		}
		args := fields[1:]
		fromStage := false
		for len(args) > 0 && strings.HasPrefix(args[0], "--") {
			fromStage = fromStage || strings.HasPrefix(args[0], "--from=")
			args = args[1:]
		}
		if fromStage || len(args) < 2 {
			continue
		}
		out = append(out, copied{sources: args[:len(args)-1], dest: args[len(args)-1]})
	}
	return out
}

// sourced matches a shell script sourcing a file by its absolute path.
var sourced = regexp.MustCompile(`(?m)^\s*(?:\.|source)\s+(/\S+)`)

// Herald's own images cannot be built in a unit test, but what breaks
// their builds cheaply can be checked: each build context holds every file
// its Dockerfile copies from it, each shell script copied in parses, and
// every file a script sources is one the image installs.
func TestOwnImagesBuildContextsHoldWhatTheirDockerfilesCopy(t *testing.T) {
	cfg, err := config.LoadFile("../../"+config.FileName, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	own := cfg.OwnNames()
	if len(own) == 0 {
		t.Fatal("the run profile names no homeserver Herald builds")
	}
	bash, bashErr := exec.LookPath("bash")
	for _, name := range own {
		c, err := cfg.For(name)
		if err != nil {
			t.Fatal(err)
		}
		spec := Image(c, nil)
		dockerfile := spec.Dockerfile
		if dockerfile == "" {
			dockerfile = "Dockerfile"
		}
		raw, err := os.ReadFile(filepath.Join(spec.Build, dockerfile))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		copies := contextCopies(string(raw))
		installed := map[string]bool{}
		for _, cp := range copies {
			installed[cp.dest] = true
		}
		for _, cp := range copies {
			for _, src := range cp.sources {
				path := filepath.Join(spec.Build, src)
				if rel, err := filepath.Rel(spec.Build, path); err != nil || strings.HasPrefix(rel, "..") {
					t.Errorf("%s: %s copies %s, outside its build context %s", name, dockerfile, src, spec.Build)
					continue
				}
				script, err := os.ReadFile(path)
				if err != nil {
					t.Errorf("%s: %s copies %s, which its build context %s lacks (%v)", name, dockerfile, src, spec.Build, err)
					continue
				}
				if !strings.HasSuffix(src, ".sh") {
					continue
				}
				for _, m := range sourced.FindAllStringSubmatch(string(script), -1) {
					if !installed[m[1]] {
						t.Errorf("%s: %s sources %s, which %s does not install", name, src, m[1], dockerfile)
					}
				}
				if bashErr != nil {
					continue
				}
				if out, err := exec.Command(bash, "-n", path).CombinedOutput(); err != nil {
					t.Errorf("%s: bash -n %s: %v\n%s", name, src, err, out)
				}
			}
		}
	}
	if bashErr != nil {
		t.Log("no bash here: the start scripts' syntax was not checked")
	}
}

func TestContextCopiesSkipsStages(t *testing.T) {
	got := contextCopies("FROM x AS b\nCOPY a/go.mod \\\n  a/go.sum ./\nCOPY --from=b /out/x /usr/bin/\nCOPY --chown=1:1 s.sh /s\nRUN true\n")
	if len(got) != 2 || strings.Join(got[0].sources, " ") != "a/go.mod a/go.sum" || got[0].dest != "./" || got[1].sources[0] != "s.sh" || got[1].dest != "/s" {
		t.Errorf("contextCopies = %+v", got)
	}
}

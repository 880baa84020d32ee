package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const profile = `
homeserver: synapse
homeservers:
  synapse:
    image: herald/synapse:latest
    build: dockerfiles
    dockerfile: synapse/Dockerfile
    expectations: fixtures/expectations/synapse.yaml
  dendrite:
    image: herald/dendrite:latest
    build: dockerfiles/dendrite
procs: 3
labels: "invite-v2"
timeouts:
  ready: 45s
  sync: 5s
reports: out
`

func write(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func env(vars map[string]string) LookupEnv {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestLoadDefaults(t *testing.T) {
	path := write(t, profile)
	c, err := LoadFile(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	if c.HS != "synapse" || c.Homeserver.Image != "herald/synapse:latest" {
		t.Errorf("homeserver = %q %+v", c.HS, c.Homeserver)
	}
	if c.Homeserver.Build != filepath.Join(dir, "dockerfiles") || c.Homeserver.Dockerfile != "synapse/Dockerfile" {
		t.Errorf("build context not made absolute, or the Dockerfile inside it not kept as written: %q %q", c.Homeserver.Build, c.Homeserver.Dockerfile)
	}
	if c.Homeserver.Expectations != filepath.Join(dir, "fixtures/expectations/synapse.yaml") {
		t.Errorf("expectations = %q", c.Homeserver.Expectations)
	}
	if c.Procs != 3 || c.Labels != "invite-v2" {
		t.Errorf("procs/labels = %d %q", c.Procs, c.Labels)
	}
	want := Timeouts{Ready: 45 * time.Second, Request: 15 * time.Second, Sync: 5 * time.Second, Build: 40 * time.Minute}
	if c.Timeouts != want {
		t.Errorf("timeouts = %+v, want %+v", c.Timeouts, want)
	}
	if c.ReportPath() != filepath.Join(dir, "out", "synapse") {
		t.Errorf("report path = %q", c.ReportPath())
	}
	if c.Base.Image != "debian:sid" || c.Base.Fallback == "" || c.Base.Mirror == "" {
		t.Errorf("base defaults missing: %+v", c.Base)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	path := write(t, profile)
	c, err := LoadFile(path, env(map[string]string{
		"HS": "dendrite", "LABELS": "smoke", "PROCS": "1", "REPORT_DIR": "/tmp/r",
		"HERALD_READY_TIMEOUT": "2m", "HERALD_REQUEST_TIMEOUT": "3s", "STRICT": "1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HS != "dendrite" || c.Homeserver.Image != "herald/dendrite:latest" || c.Homeserver.Expectations != "" {
		t.Errorf("HS override: %q %+v", c.HS, c.Homeserver)
	}
	if c.Labels != "smoke" || c.Procs != 1 || c.ReportPath() != "/tmp/r/dendrite" {
		t.Errorf("overrides: labels %q procs %d reports %q", c.Labels, c.Procs, c.ReportPath())
	}
	if !c.Strict {
		t.Error("STRICT=1 did not make the run strict")
	}
	if c.Timeouts.Ready != 2*time.Minute || c.Timeouts.Request != 3*time.Second {
		t.Errorf("timeout overrides: %+v", c.Timeouts)
	}
}

func TestEmptyEnvironmentValuesAreIgnored(t *testing.T) {
	c, err := LoadFile(write(t, profile), env(map[string]string{"HS": "", "HS_IMAGE": "", "LABELS": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HS != "synapse" || c.Labels != "invite-v2" {
		t.Errorf("empty variables changed the profile: %q %q", c.HS, c.Labels)
	}
}

func TestImageOnlyRunsWithoutExpectations(t *testing.T) {
	c, err := LoadFile(write(t, profile), env(map[string]string{"HS_IMAGE": "example/conduit:rc1"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HS != "custom" || !reflect.DeepEqual(c.Homeserver, Homeserver{Image: "example/conduit:rc1"}) {
		t.Errorf("HS_IMAGE alone: %q %+v", c.HS, c.Homeserver)
	}
}

func TestImageOfKnownServerKeepsExpectationsAndNeverBuilds(t *testing.T) {
	c, err := LoadFile(write(t, profile), env(map[string]string{"HS": "synapse", "HS_IMAGE": "synapse:rc"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Homeserver.Image != "synapse:rc" || c.Homeserver.Build != "" || c.Homeserver.Dockerfile != "" || c.Homeserver.Expectations == "" {
		t.Errorf("HS+HS_IMAGE: %+v", c.Homeserver)
	}
}

func TestErrorsSayWhatIsWrong(t *testing.T) {
	cases := []struct {
		name, body string
		vars       map[string]string
		want       string
	}{
		{"unknown homeserver", profile, map[string]string{"HS": "conduit"}, `unknown homeserver "conduit"`},
		{"known list", profile, map[string]string{"HS": "conduit"}, "dendrite, synapse"},
		{"bad strict", profile, map[string]string{"STRICT": "very"}, "STRICT"},
		{"bad procs", profile, map[string]string{"PROCS": "many"}, "PROCS"},
		{"bad env timeout", profile, map[string]string{"HERALD_SYNC_TIMEOUT": "soon"}, "HERALD_SYNC_TIMEOUT"},
		{"bad file timeout", strings.Replace(profile, "45s", "forever", 1), nil, "timeouts.ready"},
		{"unknown timeout", strings.Replace(profile, "  sync: 5s", "  sync: 5s\n  nap: 1s", 1), nil, `unknown timeout "nap"`},
		{"unknown key", profile + "colour: blue\n", nil, "not valid"},
		{"not yaml", "homeserver: [", nil, "not valid"},
		{"no homeserver", "homeservers: {}\n", nil, "names no homeserver"},
		{"no image", "homeserver: x\nhomeservers:\n  x: {build: y}\n", nil, "has no image"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadFile(write(t, tc.body), env(tc.vars))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestUnreadableProfile(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "reading run profile") {
		t.Fatalf("error = %v", err)
	}
}

func TestFindWalksUp(t *testing.T) {
	path := write(t, profile)
	deep := filepath.Join(filepath.Dir(path), "suites", "invite")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := Find(deep)
	if err != nil || got != path {
		t.Fatalf("Find = %q, %v; want %q", got, err, path)
	}
	if _, err := Find(t.TempDir()); err == nil || !strings.Contains(err.Error(), "HERALD_CONFIG") {
		t.Fatalf("Find without a profile: %v", err)
	}
}

func TestForSwitchesHomeserver(t *testing.T) {
	c, err := LoadFile(write(t, profile), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Names(), ","); got != "dendrite,synapse" {
		t.Errorf("Names = %s", got)
	}
	d, err := c.For("dendrite")
	if err != nil || d.HS != "dendrite" || !filepath.IsAbs(d.Homeserver.Build) || c.HS != "synapse" {
		t.Errorf("For(dendrite) = %+v, %v (original now %q)", d, err, c.HS)
	}
	if _, err := c.For("conduit"); err == nil {
		t.Error("For(conduit) succeeded")
	}
}

const foreignProfile = `
homeserver: synapse
homeservers:
  synapse:
    image: herald/synapse:latest
    build: dockerfiles/synapse
    tmpfs: [/data]
  theirs:
    image: herald/theirs:v1
    source:
      module: example.org/theirs@v1.0.0
      dockerfile: build/Complement.Dockerfile
    labels: contract
labels: smoke
`

func TestForeignSourceLabelsAndTmpfs(t *testing.T) {
	path := write(t, foreignProfile)
	c, err := LoadFile(path, env(map[string]string{"HS": "theirs"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Homeserver.Source == nil || c.Homeserver.Source.Module != "example.org/theirs@v1.0.0" || c.Homeserver.Source.Dockerfile != "build/Complement.Dockerfile" {
		t.Errorf("source = %+v", c.Homeserver.Source)
	}
	if c.Labels != "contract" {
		t.Errorf("a server's own labels: %q, want contract", c.Labels)
	}
	if got := c.OwnNames(); !reflect.DeepEqual(got, []string{"synapse"}) {
		t.Errorf("OwnNames = %v, want only the server Herald builds", got)
	}
	c, _ = LoadFile(path, env(map[string]string{"HS": "theirs", "LABELS": "smoke && must", "HS_TMPFS": "/dendrite, /tmp"}))
	if c.Labels != "smoke && must" || !reflect.DeepEqual(c.Homeserver.Tmpfs, []string{"/dendrite", "/tmp"}) {
		t.Errorf("LABELS and HS_TMPFS: %q %v", c.Labels, c.Homeserver.Tmpfs)
	}
	c, _ = LoadFile(path, env(map[string]string{"HS_TMPFS": "none"}))
	if len(c.Homeserver.Tmpfs) != 0 {
		t.Errorf("HS_TMPFS=none left %v", c.Homeserver.Tmpfs)
	}
	c, _ = LoadFile(path, env(map[string]string{"HS": "theirs", "HS_IMAGE": "theirs:rc"}))
	if c.Homeserver.Source != nil || c.Homeserver.Image != "theirs:rc" {
		t.Errorf("HS_IMAGE must stop Herald building the server: %+v", c.Homeserver)
	}
}

func TestUlimits(t *testing.T) {
	path := write(t, profile)
	c, err := LoadFile(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Ulimits) != 0 {
		t.Errorf("default ulimits = %v, want none (the engine's own)", c.Ulimits)
	}
	c, err = LoadFile(write(t, profile+"ulimits: {nofile: 4096}\n"), env(map[string]string{"HERALD_ULIMITS": "nproc=512"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Ulimits["nofile"] != 4096 || c.Ulimits["nproc"] != 512 {
		t.Errorf("ulimits = %v, want nofile 4096 (profile) and nproc 512 (environment)", c.Ulimits)
	}
	for _, bad := range []string{"nofile", "nofile=0", "core=1", "nofile=x"} {
		if _, err := LoadFile(path, env(map[string]string{"HERALD_ULIMITS": bad})); err == nil {
			t.Errorf("HERALD_ULIMITS=%s accepted", bad)
		}
	}
	if _, err := LoadFile(write(t, profile+"ulimits: {stack: 5}\n"), env(nil)); err == nil {
		t.Error("an unknown ulimit in the profile was accepted")
	}
}

// Each variable README lists under "The run profile" changes the run
// profile on its own, and a bad value of one that takes a number or a
// duration is refused by name.
func TestEveryListedVariableOverridesTheProfile(t *testing.T) {
	path := write(t, profile)
	base, err := LoadFile(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		value   string
		changed func(c *Config) bool
		bad     string
	}{
		"HS":                     {"dendrite", func(c *Config) bool { return c.HS == "dendrite" }, ""},
		"HS_IMAGE":               {"my/server:branch", func(c *Config) bool { return c.HS == "custom" && c.Homeserver.Image == "my/server:branch" }, ""},
		"HS_TMPFS":               {"/state", func(c *Config) bool { return reflect.DeepEqual(c.Homeserver.Tmpfs, []string{"/state"}) }, ""},
		"LABELS":                 {"smoke", func(c *Config) bool { return c.Labels == "smoke" }, ""},
		"PROCS":                  {"5", func(c *Config) bool { return c.Procs == 5 }, "0"},
		"REPORT_DIR":             {"/tmp/elsewhere", func(c *Config) bool { return c.ReportDir == "/tmp/elsewhere" }, ""},
		"HERALD_READY_TIMEOUT":   {"7s", func(c *Config) bool { return c.Timeouts.Ready == 7*time.Second }, "-1s"},
		"HERALD_REQUEST_TIMEOUT": {"7s", func(c *Config) bool { return c.Timeouts.Request == 7*time.Second }, "7"},
		"HERALD_SYNC_TIMEOUT":    {"7s", func(c *Config) bool { return c.Timeouts.Sync == 7*time.Second }, "soon"},
		"HERALD_BUILD_TIMEOUT":   {"7m", func(c *Config) bool { return c.Timeouts.Build == 7*time.Minute }, "0s"},
		"HERALD_ULIMITS":         {"nofile=1024", func(c *Config) bool { return c.Ulimits["nofile"] == 1024 }, "nofile=lots"},
		"STRICT":                 {"1", func(c *Config) bool { return c.Strict }, "very"},
	} {
		if tc.changed(base) {
			t.Fatalf("%s: the profile alone already gives what the variable should", name)
		}
		c, err := LoadFile(path, env(map[string]string{name: tc.value}))
		if err != nil || !tc.changed(c) {
			t.Errorf("%s=%s did not override the profile (%v): %+v", name, tc.value, err, c)
		}
		if tc.bad == "" {
			continue
		}
		if _, err := LoadFile(path, env(map[string]string{name: tc.bad})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: error %v, want one naming the variable", name, tc.bad, err)
		}
	}
}

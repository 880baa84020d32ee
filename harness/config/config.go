// Package config loads Herald's run profile (ginkgo.yaml) and applies environment overrides.
package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// FileName is the run profile Herald looks for.
const FileName = "ginkgo.yaml"

// Config is a resolved run profile: which homeserver to test, how, and where
// to write the results. Paths are absolute.
type Config struct {
	// Dir is the directory holding the run profile (the repository root).
	Dir string
	// HS names the homeserver under test ("synapse", "dendrite", or "custom"
	// when only HS_IMAGE is given).
	HS string
	// Homeserver is the resolved entry for HS.
	Homeserver Homeserver
	// Known lists every homeserver the profile defines, by name.
	Known map[string]Homeserver
	// Base is the Debian base image our own images build FROM.
	Base Base
	// Procs is the default number of parallel Ginkgo processes.
	Procs int
	// Labels is the default Ginkgo label filter.
	Labels string
	// Timeouts bound every wait Herald does.
	Timeouts Timeouts
	// ReportDir is where reports/<hs>/ lands.
	ReportDir string
	// Strict ignores expectations and holds every check to the spec's text.
	Strict bool
	// Ulimits are resource limits ("nofile", "nproc") the run profile or
	// HERALD_ULIMITS set for the homeserver containers; a limit not named
	// here is the engine's own (docker.Engine.Limits).
	Ulimits map[string]int64
}

// Homeserver says how to get and judge one homeserver implementation.
type Homeserver struct {
	// Image is the Docker image to run.
	Image string `json:"image"`
	// Build is the Docker build context that makes Image when it is missing;
	// empty when Herald cannot build it (an image given by HS_IMAGE alone).
	Build string `json:"build"`
	// Dockerfile is the Dockerfile's path inside Build ("Dockerfile" when
	// empty): Herald's own images share one context, dockerfiles/.
	Dockerfile string `json:"dockerfile"`
	// Expectations lists the specs this server is known to fail; empty means
	// every failure counts.
	Expectations string `json:"expectations"`
	// Tmpfs lists directories of the image mounted as memory file systems
	// (its state directory, say): no disk I/O, and nothing survives a stop.
	Tmpfs []string `json:"tmpfs"`
	// Source, when set, builds Image from the server's own published
	// source (its Complement Dockerfile) instead of a Herald build context.
	Source *Source `json:"source"`
	// Labels is this server's default Ginkgo label filter (LABELS overrides
	// it; empty means the profile's labels).
	Labels string `json:"labels"`
}

// Source is a homeserver's own published source: a Go module at a version
// and the path of the Complement Dockerfile in it.
type Source struct {
	Module     string `json:"module"`
	Dockerfile string `json:"dockerfile"`
}

// Base describes the Debian base image and how to make it without a registry.
type Base struct {
	Image    string `json:"image"`
	Fallback string `json:"fallback"`
	Mirror   string `json:"mirror"`
}

// Timeouts bound every wait.
type Timeouts struct {
	Ready   time.Duration
	Request time.Duration
	Sync    time.Duration
	Build   time.Duration
}

// ReportPath is the directory for this homeserver's reports.
func (c *Config) ReportPath() string { return filepath.Join(c.ReportDir, c.HS) }

type file struct {
	Homeserver  string                `json:"homeserver"`
	Homeservers map[string]Homeserver `json:"homeservers"`
	Base        Base                  `json:"base"`
	Procs       int                   `json:"procs"`
	Labels      string                `json:"labels"`
	Timeouts    map[string]string     `json:"timeouts"`
	Reports     string                `json:"reports"`
	Strict      bool                  `json:"strict"`
	Ulimits     map[string]int64      `json:"ulimits"`
}

// Load finds the run profile (HERALD_CONFIG, else ginkgo.yaml in the working
// directory or the nearest parent) and resolves it with the environment.
func Load() (*Config, error) {
	path := os.Getenv("HERALD_CONFIG")
	if path == "" {
		found, err := Find(".")
		if err != nil {
			return nil, err
		}
		path = found
	}
	return LoadFile(path, os.LookupEnv)
}

// Find walks up from dir to the first directory holding ginkgo.yaml.
func Find(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("finding %s: %w", FileName, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, FileName)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no %s in %s or any parent directory: run Herald from its repository or set HERALD_CONFIG", FileName, abs)
		}
	}
}

// LookupEnv is os.LookupEnv's shape, so tests can supply their own environment.
type LookupEnv func(string) (string, bool)

// LoadFile reads the run profile at path and applies overrides from env.
func LoadFile(path string, env LookupEnv) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading run profile: %w", err)
	}
	var f file
	if err := yaml.UnmarshalStrict(raw, &f); err != nil {
		return nil, fmt.Errorf("run profile %s is not valid: %w", path, err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	c := &Config{Dir: dir, Base: f.Base, Procs: f.Procs, Labels: f.Labels, Strict: f.Strict}
	get := func(key string) (string, bool) {
		v, ok := env(key)
		return v, ok && v != ""
	}

	c.Known = map[string]Homeserver{}
	for name, hs := range f.Homeservers {
		c.Known[name] = c.absolute(hs)
	}
	if err := c.resolveHomeserver(f, get, path); err != nil {
		return nil, err
	}
	if c.Homeserver.Labels != "" {
		c.Labels = c.Homeserver.Labels
	}
	if v, ok := get("LABELS"); ok {
		c.Labels = v
	}
	if v, ok := get("HS_TMPFS"); ok {
		c.Homeserver.Tmpfs = splitList(v)
	}
	if v, ok := get("STRICT"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("STRICT=%q: want 1 or 0", v)
		}
		c.Strict = b
	}
	if v, ok := get("PROCS"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("PROCS=%q: want a positive integer", v)
		}
		c.Procs = n
	}
	if c.Procs < 1 {
		c.Procs = 1
	}
	if err := c.resolveUlimits(f.Ulimits, get, path); err != nil {
		return nil, err
	}
	if err := c.resolveTimeouts(f.Timeouts, get, path); err != nil {
		return nil, err
	}
	reports := f.Reports
	if v, ok := get("REPORT_DIR"); ok {
		reports = v
	}
	if reports == "" {
		reports = "reports"
	}
	c.ReportDir = c.abs(reports)
	if c.Base.Image == "" {
		c.Base.Image = "debian:sid"
	}
	if c.Base.Fallback == "" {
		c.Base.Fallback = "herald/debian:sid"
	}
	if c.Base.Mirror == "" {
		c.Base.Mirror = "http://deb.debian.org/debian"
	}
	return c, nil
}

func (c *Config) resolveHomeserver(f file, get func(string) (string, bool), path string) error {
	name := f.Homeserver
	hsVar, hsSet := get("HS")
	if hsSet {
		name = hsVar
	}
	image, imageSet := get("HS_IMAGE")
	if imageSet && !hsSet {
		// An arbitrary image: no build context, no expectations, every failure counts.
		c.HS = "custom"
		c.Homeserver = Homeserver{Image: image}
		return nil
	}
	if name == "" {
		return fmt.Errorf("run profile %s names no homeserver: set `homeserver:` or HS", path)
	}
	hs, ok := f.Homeservers[name]
	if !ok {
		return fmt.Errorf("unknown homeserver %q: %s knows %s (or run any image with HS_IMAGE=<image>)", name, path, strings.Join(slices.Sorted(maps.Keys(f.Homeservers)), ", "))
	}
	if hs.Image == "" {
		return fmt.Errorf("homeserver %q in %s has no image", name, path)
	}
	c.HS = name
	c.Homeserver = c.Known[name]
	if imageSet {
		// Another build of a known server: its expectations, but never rebuilt by us.
		c.Homeserver.Image = image
		c.Homeserver.Build, c.Homeserver.Dockerfile = "", ""
		c.Homeserver.Source = nil
	}
	return nil
}

// ulimitNames are the limits Herald sets on containers.
var ulimitNames = []string{"nofile", "nproc"}

func (c *Config) resolveUlimits(values map[string]int64, get func(string) (string, bool), path string) error {
	c.Ulimits = map[string]int64{}
	known := func(name string) bool { return name == ulimitNames[0] || name == ulimitNames[1] }
	for name, v := range values {
		if !known(name) {
			return fmt.Errorf("run profile %s: unknown ulimit %q (known: %s)", path, name, strings.Join(ulimitNames, ", "))
		}
		if v < 1 {
			return fmt.Errorf("run profile %s: ulimits.%s must be positive", path, name)
		}
		c.Ulimits[name] = v
	}
	v, ok := get("HERALD_ULIMITS")
	if !ok {
		return nil
	}
	for _, kv := range splitList(v) {
		name, num, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(num, 10, 64)
		if !known(name) || err != nil || n < 1 {
			return fmt.Errorf("HERALD_ULIMITS=%q: want entries like nofile=1024,nproc=1024", v)
		}
		c.Ulimits[name] = n
	}
	return nil
}

var timeoutDefaults = map[string]time.Duration{
	"ready":   120 * time.Second,
	"request": 15 * time.Second,
	"sync":    20 * time.Second,
	"build":   40 * time.Minute,
}

func (c *Config) resolveTimeouts(values map[string]string, get func(string) (string, bool), path string) error {
	resolved := map[string]time.Duration{}
	for key, def := range timeoutDefaults {
		resolved[key] = def
	}
	for key, v := range values {
		if _, known := timeoutDefaults[key]; !known {
			return fmt.Errorf("run profile %s: unknown timeout %q (known: ready, request, sync, build)", path, key)
		}
		d, err := parseDuration(v)
		if err != nil {
			return fmt.Errorf("run profile %s: timeouts.%s: %w", path, key, err)
		}
		resolved[key] = d
	}
	for key := range timeoutDefaults {
		envName := "HERALD_" + strings.ToUpper(key) + "_TIMEOUT"
		if v, ok := get(envName); ok {
			d, err := parseDuration(v)
			if err != nil {
				return fmt.Errorf("%s: %w", envName, err)
			}
			resolved[key] = d
		}
	}
	c.Timeouts = Timeouts{
		Ready:   resolved["ready"],
		Request: resolved["request"],
		Sync:    resolved["sync"],
		Build:   resolved["build"],
	}
	return nil
}

func parseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like 30s or 2m", v)
	}
	if d <= 0 {
		return 0, errors.New("must be positive")
	}
	return d, nil
}

// absolute resolves a homeserver entry's paths against the profile's directory.
func (c *Config) absolute(hs Homeserver) Homeserver {
	if hs.Build != "" {
		hs.Build = c.abs(hs.Build)
	}
	if hs.Expectations != "" {
		hs.Expectations = c.abs(hs.Expectations)
	}
	return hs
}

// Names lists the homeservers the profile defines, sorted.
func (c *Config) Names() []string { return slices.Sorted(maps.Keys(c.Known)) }

// OwnNames lists the homeservers built from Herald's own build contexts
// (what bench, repeat and debris measure unless told otherwise), sorted.
func (c *Config) OwnNames() []string {
	own := map[string]Homeserver{}
	for name, hs := range c.Known {
		if hs.Build != "" {
			own[name] = hs
		}
	}
	return slices.Sorted(maps.Keys(own))
}

// splitList reads a list given in one variable: entries separated by commas
// or spaces; "none" is the empty list.
func splitList(v string) []string {
	if strings.TrimSpace(v) == "none" {
		return []string{}
	}
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}

// For is the same run profile pointed at another known homeserver.
func (c *Config) For(name string) (*Config, error) {
	hs, ok := c.Known[name]
	if !ok {
		return nil, fmt.Errorf("unknown homeserver %q: the run profile knows %s", name, strings.Join(c.Names(), ", "))
	}
	other := *c
	other.HS, other.Homeserver = name, hs
	return &other, nil
}

func (c *Config) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

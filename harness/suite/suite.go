// Package suite is the per-process lifecycle every Herald suite shares: run profile, Docker, the homeserver under test, reports.
package suite

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2"

	"herald/harness/config"
	"herald/harness/docker"
	"herald/harness/homeserver"
	"herald/harness/pki"
)

// Per-process state, set up once before any spec runs.
var (
	cfg     *config.Config
	engine  *docker.Engine
	network *docker.Network
	ca      *pki.CA
	hs      *homeserver.Homeserver
	run     string
)

// Config is the resolved run profile.
func Config() *config.Config { return cfg }

// Homeserver is this process's homeserver under test.
func Homeserver() *homeserver.Homeserver { return hs }

// CA is the run's certificate authority.
func CA() *pki.CA { return ca }

// Network is the run's Docker network; mock servers listen on its gateway.
func Network() *docker.Network { return network }

// Run is the short random ID naming this run's Docker resources.
func Run() string { return run }

// Configuration loads the run profile and checks that a Docker engine
// answers, then returns Ginkgo's configuration with Herald's defaults (the
// label filter) applied, for RunSpecs. A setup problem ends the run at once
// with one line saying what is wrong.
func Configuration(t *testing.T) []any {
	var err error
	if cfg, err = config.Load(); err != nil {
		fmt.Fprintln(os.Stderr, "herald:", err)
		t.FailNow()
	}
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	if suiteConfig.DryRun {
		return []any{suiteConfig, reporterConfig} // walking the specs needs no engine
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if engine, err = docker.Connect(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "herald:", err)
		t.FailNow()
	}
	if suiteConfig.LabelFilter == "" {
		suiteConfig.LabelFilter = cfg.Labels
	}
	return []any{suiteConfig, reporterConfig}
}

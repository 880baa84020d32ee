// Package run is one Ginkgo process's part of a Herald run: setup, the health check around each spec, teardown and reports, as steps the suite registers.
package run

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
	"herald/harness/testbed"
)

// Process is this Ginkgo process's part of the run: the run profile, the
// Docker engine, the run's network and CA, the homeserver under test and
// what the health check knows of it. Its methods are the lifecycle's steps;
// suites/herald_test.go registers them as Ginkgo nodes, in the order they
// run, and hands Bed to the suites.
type Process struct {
	cfg     *config.Config
	engine  *docker.Engine
	network *docker.Network
	ca      *pki.CA
	hs      *homeserver.Homeserver
	runID   string // the short random ID naming this run's Docker resources

	bed *testbed.Bed

	outage     outage // what this process knows of its homeserver being down
	lastFailed bool   // whether this process's previous spec failed
}

// New returns this process's part of the run, set up by its steps.
func New() *Process { return &Process{bed: testbed.New()} }

// Bed is what the specs ask of the run: it is ready once StartHomeserver
// has run.
func (p *Process) Bed() *testbed.Bed { return p.bed }

// Configuration loads the run profile and checks that a Docker engine
// answers, then returns Ginkgo's configuration with Herald's defaults (the
// label filter) applied, for RunSpecs. A setup problem ends the run at once
// with one line saying what is wrong.
func (p *Process) Configuration(t *testing.T) []any {
	var err error
	if p.cfg, err = config.Load(); err != nil {
		fmt.Fprintln(os.Stderr, "herald:", err)
		t.FailNow()
	}
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	if suiteConfig.DryRun {
		return []any{suiteConfig, reporterConfig} // walking the specs needs no engine
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if p.engine, err = docker.Connect(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "herald:", err)
		t.FailNow()
	}
	if suiteConfig.LabelFilter == "" {
		suiteConfig.LabelFilter = p.cfg.Labels
	}
	return []any{suiteConfig, reporterConfig}
}

// Package suites is Herald's one Ginkgo suite: every scenario package below
// registers its specs here, so one homeserver per process serves them all.
package suites

import (
	"context"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/run"
	"herald/suites/blocking"
	"herald/suites/interop"
	"herald/suites/invite"
	"herald/suites/membership"
	"herald/suites/outbound"
	"herald/suites/smoke"
	"herald/suites/thirdparty"
)

// process is this Ginkgo process's part of the run: the run profile, the
// Docker engine, the run's network and CA, and the homeserver under test.
var process = run.New()

// The run's lifecycle, in the order Ginkgo runs it.
var (
	// Setup: process 1 sweeps what killed runs left, makes sure the image
	// exists and makes the run's network and CA; then every process starts
	// its homeserver with them.
	_ = SynchronizedBeforeSuite(process.Prepare, process.StartHomeserver)

	// Health: before every spec the homeserver must answer; a failed spec
	// gets the homeserver's log, after the spec's own cleanups.
	_ = BeforeEach(process.CheckHealth)

	// Teardown, also after an interrupt: every process keeps its
	// homeserver's diagnostics, then removes it; after every process is
	// done, process 1 removes the run's network and sweeps.
	_ = SynchronizedAfterSuite(
		withinTeardownTimeout(process.SaveDiagnostics, process.RemoveHomeserver),
		withinTeardownTimeout(process.RemoveNetwork))

	// Reports, last, on process 1.
	_ = ReportAfterSuite("Herald reports", process.WriteReports)
)

// withinTeardownTimeout runs steps in order, together bounded by
// run.TeardownTimeout: cleanup must finish even after an interrupt.
func withinTeardownTimeout(steps ...func(context.Context)) func() {
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), run.TeardownTimeout)
		defer cancel()
		for _, step := range steps {
			step(ctx)
		}
	}
}

func TestHerald(t *testing.T) {
	RegisterFailHandler(Fail)
	configuration := process.Configuration(t)
	bed := process.Bed()
	blocking.Use(bed)
	interop.Use(bed)
	invite.Use(bed)
	membership.Use(bed)
	outbound.Use(bed)
	smoke.Use(bed)
	thirdparty.Use(bed)
	RunSpecs(t, "Herald", configuration...)
}

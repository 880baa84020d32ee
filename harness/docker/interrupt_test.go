package docker

import (
	"context"
	"testing"
	"time"
)

// TestInterruptedCreateLeavesNothing needs a Docker engine (make test has
// one). It cancels CreateNetwork at moments spread over the request: the
// engine completes a create whose client has gone, so whatever the moment,
// CreateNetwork must either return the network or leave none behind — a
// network that appears after the caller gave up is one no teardown knows of.
func TestInterruptedCreateLeavesNothing(t *testing.T) {
	ctx, e := engineForTest(t, 2*time.Minute)
	run := "test-interrupt-" + newID()
	defer e.SweepRun(context.Background(), run)

	// A create the engine completes after its caller gave up shows up
	// later: look once every call has been answered.
	for delay := 100 * time.Microsecond; delay < 60*time.Millisecond; delay = delay * 3 / 2 {
		callCtx, stop := context.WithTimeout(ctx, delay)
		n, err := e.CreateNetwork(callCtx, "herald-"+run+"-"+newID(), Labels(run))
		stop()
		if err == nil {
			if err := e.RemoveNetwork(ctx, n.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	left, err := e.Managed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range left {
		if r.Labels[LabelRun] == run {
			t.Errorf("an interrupted CreateNetwork left %s", r)
		}
	}
}

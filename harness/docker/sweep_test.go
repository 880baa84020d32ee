package docker

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestSweepOrphansSparesLiveRuns needs a Docker engine (make test has one):
// it makes two labelled networks, one owned by this process and one by a
// process that is gone, and checks that only the orphan is swept.
func TestSweepOrphansSparesLiveRuns(t *testing.T) {
	ctx, e := engineForTest(t, time.Minute)
	host, _ := os.Hostname()

	live, err := e.CreateNetwork(ctx, "herald-test-live-"+newID(), Labels("test-live"))
	if err != nil {
		t.Fatal(err)
	}
	defer e.RemoveNetwork(context.Background(), live.ID)
	dead := Labels("test-dead")
	dead[LabelOwner] = Owner{Host: host, PID: 1<<22 - 1, Start: "42"}.String()
	orphan, err := e.CreateNetwork(ctx, "herald-test-dead-"+newID(), dead)
	if err != nil {
		t.Fatal(err)
	}
	defer e.RemoveNetwork(context.Background(), orphan.ID)
	if !orphan.Gateway.IsValid() {
		t.Error("network has no gateway address")
	}

	if _, err := e.SweepOrphans(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OpenNetwork(ctx, live.ID); err != nil {
		t.Errorf("the live run's network was swept: %v", err)
	}
	if _, err := e.OpenNetwork(ctx, orphan.ID); err == nil {
		t.Error("the orphaned network survived the sweep")
	}

	if s, err := e.SweepRun(ctx, "test-live"); err != nil || s.Networks != 1 {
		t.Errorf("SweepRun = %+v, %v", s, err)
	}
}

func newID() string { return time.Now().Format("150405.000000") }

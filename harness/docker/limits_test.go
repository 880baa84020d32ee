package docker

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestReadLimits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "limits")
	os.WriteFile(path, []byte(`Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max processes             32768                32768                processes
Max open files            1024                 524288               files
`), 0o644)
	if got, want := readLimits(path), map[string]int64{"nproc": 32768, "nofile": 524288}; !reflect.DeepEqual(got, want) {
		t.Errorf("readLimits = %v, want %v (hard limits)", got, want)
	}
	os.WriteFile(path, []byte("Max processes             unlimited            unlimited            processes\n"), 0o644)
	if got := readLimits(path); got["nproc"] != limitCeiling {
		t.Errorf("unlimited read as %v", got)
	}
}

// The engine's own limits are read through its socket's peer process.
func TestEngineLimitsAreTheEnginesOwn(t *testing.T) {
	e, err := Connect(t.Context())
	if err != nil {
		t.Fatalf("this test needs a Docker engine: %v", err)
	}
	defer e.Close()
	l := e.Limits()
	if l["nofile"] < 1 || l["nproc"] < 1 {
		t.Fatalf("Limits = %v", l)
	}
	if pid := e.peerPID(); pid <= 0 || pid == os.Getpid() {
		t.Errorf("peer PID %d: want the engine's process", pid)
	}
}

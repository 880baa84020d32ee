package docker

import (
	"errors"
	"strings"
	"testing"
)

// Podman on a machine without CAP_SYS_RESOURCE refuses limits above the
// machine's: the error names the limits Herald asked for and how to lower them.
func TestStartErrorExplainsRefusedLimits(t *testing.T) {
	spec := ContainerSpec{Name: "herald-x-hs1", Ulimits: map[string]int64{"nproc": 4096, "nofile": 1048576}}
	engine := errors.New("runc create failed: unable to start container process: error setting rlimit type 7: operation not permitted")
	err := startError(spec, engine)
	for _, want := range []string{"nofile=1048576, nproc=4096", "HERALD_ULIMITS=", "error setting rlimit type 7"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	if !errors.Is(err, engine) {
		t.Error("the engine's error is not wrapped")
	}
	other := startError(spec, errors.New("port is already allocated"))
	if strings.Contains(other.Error(), "HERALD_ULIMITS") {
		t.Errorf("an unrelated refusal blames the limits: %v", other)
	}
}

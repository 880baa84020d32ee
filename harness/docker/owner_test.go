package docker

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestSelfIsAlive(t *testing.T) {
	me := Self()
	if me.Start == "" {
		t.Skip("no /proc: owners cannot be judged on this system")
	}
	back, err := ParseOwner(me.String())
	if err != nil || back != me {
		t.Fatalf("ParseOwner(%q) = %+v, %v", me.String(), back, err)
	}
	if me.Gone() {
		t.Fatal("the running test process is judged gone")
	}
}

func TestFinishedProcessIsGone(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	pid := cmd.Process.Pid
	start := startTime(pid)
	cmd.Wait()
	if start == "" {
		t.Skip("process ended before its start time was read")
	}
	if !(Owner{Host: host, PID: pid, Start: start}).Gone() {
		t.Fatal("an exited process is not judged gone")
	}
}

// A killed run's process that nobody has reaped yet is a zombie: it has
// ended, and its leftovers must be swept.
func TestZombieIsGone(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	host, _ := os.Hostname()
	owner := Owner{Host: host, PID: cmd.Process.Pid, Start: startTime(cmd.Process.Pid)}
	if owner.Start == "" {
		t.Skip("no /proc")
	}
	if owner.Gone() {
		t.Fatal("a running process is judged gone")
	}
	cmd.Process.Kill() // not waited for: a zombie until the deferred Wait
	stat := fmt.Sprintf("/proc/%d/stat", owner.PID)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		raw, _ := os.ReadFile(stat)
		if strings.Contains(string(raw), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the killed process never became a zombie: %s", raw)
		}
	}
	if !owner.Gone() {
		t.Fatal("a zombie (killed, not yet reaped) is not judged gone")
	}
}

func TestRecycledPIDIsGone(t *testing.T) {
	me := Self()
	if me.Start == "" {
		t.Skip("no /proc")
	}
	me.Start = me.Start + "0"
	if !me.Gone() {
		t.Fatal("a live PID with another start time must count as gone")
	}
}

func TestOwnerOnAnotherHostIsNeverGone(t *testing.T) {
	if (Owner{Host: "some-other-ci-runner", PID: 1 << 22, Start: "1"}).Gone() {
		t.Fatal("an owner on another host was judged gone")
	}
}

func TestParseOwnerErrors(t *testing.T) {
	for _, s := range []string{"", "host/12", "host/x/1", "host/-3/1", "a/1/2/3"} {
		if _, err := ParseOwner(s); err == nil {
			t.Errorf("ParseOwner(%q) succeeded", s)
		}
	}
}

func TestLabelsNameRunAndOwner(t *testing.T) {
	l := Labels("abc")
	if l[LabelManaged] != "true" || l[LabelRun] != "abc" || !strings.Contains(l[LabelOwner], "/") {
		t.Fatalf("labels = %v", l)
	}
}

package docker

import (
	"os"
	"os/exec"
	"strings"
	"testing"
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

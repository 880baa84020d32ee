package main

import (
	"os/exec"
	"slices"
	"syscall"
	"testing"

	"herald/harness/docker"
)

func TestGroupMembersListsTheGroupAndNothingElse(t *testing.T) {
	leader := exec.Command("sleep", "30")
	leader.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := leader.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { leader.Process.Kill(); leader.Wait() }()
	member := exec.Command("sleep", "30")
	member.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: leader.Process.Pid}
	if err := member.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { member.Process.Kill(); member.Wait() }()
	outsider := exec.Command("sleep", "30")
	if err := outsider.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { outsider.Process.Kill(); outsider.Wait() }()

	got := groupMembers(leader.Process.Pid)
	slices.Sort(got)
	want := []int{leader.Process.Pid, member.Process.Pid}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("group %d: got %v, want %v (outsider %d)", leader.Process.Pid, got, want, outsider.Process.Pid)
	}
}

// TestOwnsByProcessOrRunID: a run owns what one of its processes made,
// and what carries a run ID its processes used (made by a process that
// ended before it was seen); nothing of another run or host.
func TestOwnsByProcessOrRunID(t *testing.T) {
	w := &watched{host: "here", state: runState{pids: map[int]bool{10: true}, runs: map[string]bool{"r1": true}}}
	res := func(owner, run string) docker.Resource {
		return docker.Resource{Kind: "container", Labels: map[string]string{docker.LabelOwner: owner, docker.LabelRun: run}}
	}
	for _, c := range []struct {
		res  docker.Resource
		want bool
	}{
		{res("here/10/5", "r9"), true},   // made by a process of the run
		{res("here/11/5", "r1"), true},   // another process, the run's ID
		{res("here/11/5", "r2"), false},  // another run on this host
		{res("there/10/5", "r2"), false}, // the same PID on another host
		{res("here/11/5", ""), false},    // no run ID matches no run
	} {
		if got := w.owns(c.res); got != c.want {
			t.Errorf("owns(%v) = %v, want %v", c.res.Labels, got, c.want)
		}
	}
}

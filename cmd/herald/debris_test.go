package main

import (
	"os/exec"
	"slices"
	"syscall"
	"testing"
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

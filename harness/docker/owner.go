package docker

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Owner identifies a process on a host well enough to tell, later, whether it
// is still running: the host name, the PID and the process start time (so a
// recycled PID is not mistaken for the original owner).
type Owner struct {
	Host  string
	PID   int
	Start string
}

// Self is the calling process.
func Self() Owner {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return Owner{Host: host, PID: pid, Start: startTime(pid)}
}

func (o Owner) String() string { return fmt.Sprintf("%s/%d/%s", o.Host, o.PID, o.Start) }

// ParseOwner reads an Owner from its label value.
func ParseOwner(s string) (Owner, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return Owner{}, fmt.Errorf("owner label %q: want host/pid/start", s)
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return Owner{}, fmt.Errorf("owner label %q: bad pid", s)
	}
	return Owner{Host: parts[0], PID: pid, Start: parts[2]}, nil
}

// Gone reports whether the owner certainly no longer runs. An owner on
// another host is never judged gone: another machine may share this engine.
func (o Owner) Gone() bool {
	host, _ := os.Hostname()
	if o.Host != host {
		return false
	}
	return startTime(o.PID) != o.Start
}

// startTime is the process start time in clock ticks since boot (field 22 of
// /proc/<pid>/stat), or "" when the process does not exist or has ended. A
// zombie has ended: it only waits for its parent to collect its status,
// which a killed run's processes, orphaned, may wait for a long time (where
// PID 1 does not reap, forever).
func startTime(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) is in parentheses and may contain spaces.
	s := string(raw)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return ""
	}
	fields := strings.Fields(s[end+1:])
	// fields[0] is field 3 (state), so field 22 is fields[19].
	if len(fields) < 20 || fields[0] == "Z" || fields[0] == "X" {
		return ""
	}
	return fields[19]
}

package docker

import (
	"bufio"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// limitCeiling bounds a limit read as "unlimited".
const limitCeiling = 1 << 20

// limitFields are the names of /proc/<pid>/limits rows Herald sets on
// containers, by ulimit name.
var limitFields = map[string]string{"nofile": "Max open files", "nproc": "Max processes"}

// Limits are the resource limits ("nofile", "nproc") a container may be
// given without the engine needing CAP_SYS_RESOURCE: the engine process's
// own hard limits when the engine listens on a local socket (its runtime
// inherits them; Podman's service sets its own, below the machine's), else
// this process's. Containers get these unless the run profile says lower.
func (e *Engine) Limits() map[string]int64 {
	if pid := e.peerPID(); pid > 0 {
		if l := readLimits("/proc/" + strconv.Itoa(pid) + "/limits"); len(l) == len(limitFields) {
			return l
		}
	}
	return readLimits("/proc/self/limits")
}

// peerPID is the PID of the process serving the engine's unix socket, or 0.
func (e *Engine) peerPID() int {
	host := e.cli.DaemonHost()
	path, ok := strings.CutPrefix(host, "unix://")
	if !ok {
		return 0
	}
	conn, err := net.Dial("unix", path)
	if err != nil {
		return 0
	}
	defer conn.Close()
	raw, err := conn.(*net.UnixConn).SyscallConn()
	if err != nil {
		return 0
	}
	var cred *syscall.Ucred
	raw.Control(func(fd uintptr) {
		cred, _ = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	})
	if cred == nil {
		return 0
	}
	return int(cred.Pid)
}

// readLimits reads the hard limits Herald sets from a /proc limits file.
func readLimits(path string) map[string]int64 {
	f, err := os.Open(path)
	if err != nil {
		return map[string]int64{"nofile": 1024, "nproc": 1024}
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for name, field := range limitFields {
			rest, ok := strings.CutPrefix(sc.Text(), field)
			if !ok {
				continue
			}
			cols := strings.Fields(rest) // soft, hard, unit
			if len(cols) < 2 {
				continue
			}
			if cols[1] == "unlimited" {
				out[name] = limitCeiling
			} else if n, err := strconv.ParseInt(cols[1], 10, 64); err == nil && n > 0 {
				out[name] = min(n, limitCeiling)
			}
		}
	}
	return out
}

package config

import "syscall"

// fallbackLimit is used when the process's own limit cannot be read.
const fallbackLimit = 1024

// ownLimits are this process's hard limits on open files and processes: an
// engine on the same machine can always set a container's limits to these.
func ownLimits() map[string]int64 {
	limits := map[string]int64{}
	for name, resource := range map[string]int{"nofile": syscall.RLIMIT_NOFILE, "nproc": rlimitNproc} {
		var rl syscall.Rlimit
		if err := syscall.Getrlimit(resource, &rl); err != nil || rl.Max == 0 || rl.Max > 1<<20 {
			limits[name] = fallbackLimit
			if err == nil && rl.Max > 1<<20 {
				limits[name] = 1 << 20 // "unlimited": a sane ceiling
			}
			continue
		}
		limits[name] = int64(rl.Max)
	}
	return limits
}

// rlimitNproc is RLIMIT_NPROC on Linux (the syscall package does not name it).
const rlimitNproc = 6

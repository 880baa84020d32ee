package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/netip"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// File is a file copied into a container before it starts.
type File struct {
	Content []byte
	Mode    int64
}

// ContainerSpec describes a container to run.
type ContainerSpec struct {
	Name    string
	Image   string
	Env     []string
	Labels  map[string]string
	Network *Network
	// Aliases are the container's DNS names on Network.
	Aliases []string
	// Hostname inside the container.
	Hostname string
	// ExtraHosts are /etc/hosts entries ("host.docker.internal:172.18.0.1").
	ExtraHosts []string
	// Ports are container ports ("8008/tcp") published on 127.0.0.1 at
	// ports the engine picks.
	Ports []string
	// Files are copied in (absolute paths) before the container starts.
	Files map[string]File
	// Tmpfs are directories mounted as memory file systems (gone when the
	// container stops).
	Tmpfs []string
	// Ulimits are the container's resource limits by name ("nofile",
	// "nproc"), soft and hard alike. Docker sets none by default and
	// Podman sets its own, which an engine without CAP_SYS_RESOURCE may be
	// unable to apply; naming them makes both engines behave alike.
	Ulimits map[string]int64
}

// Container is a running container.
type Container struct {
	ID        string
	Name      string
	Started   time.Time
	ports     map[string]netip.AddrPort
	wantPorts []string
	engine    *Engine
	// OnDisk are directories asked for in memory (ContainerSpec.Tmpfs) that
	// got an anonymous volume instead: the image has content there, and
	// Docker's memory mounts start empty (Podman's copy the content in).
	OnDisk []string
}

// Run creates the container, copies its files in, starts it and learns its
// published ports. On failure nothing is left behind.
func (e *Engine) Run(ctx context.Context, spec ContainerSpec) (*Container, error) {
	exposed := network.PortSet{}
	bindings := network.PortMap{}
	for _, p := range spec.Ports {
		port, err := network.ParsePort(p)
		if err != nil {
			return nil, fmt.Errorf("container %s: port %q: %w", spec.Name, p, err)
		}
		exposed[port] = struct{}{}
		bindings[port] = []network.PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1")}}
	}
	var netCfg *network.NetworkingConfig
	hostCfg := &container.HostConfig{PortBindings: bindings, ExtraHosts: spec.ExtraHosts}
	if len(spec.Tmpfs) > 0 {
		hostCfg.Tmpfs = map[string]string{}
		for _, dir := range spec.Tmpfs {
			hostCfg.Tmpfs[dir] = ""
		}
	}
	for _, name := range slices.Sorted(maps.Keys(spec.Ulimits)) {
		v := spec.Ulimits[name]
		hostCfg.Ulimits = append(hostCfg.Ulimits, &container.Ulimit{Name: name, Soft: v, Hard: v})
	}
	if spec.Network != nil {
		hostCfg.NetworkMode = container.NetworkMode(spec.Network.Name)
		netCfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			spec.Network.Name: {Aliases: spec.Aliases},
		}}
	}
	createCtx, cancel := uninterrupted(ctx)
	defer cancel()
	create := func() (*Container, error) {
		created, err := e.cli.ContainerCreate(createCtx, client.ContainerCreateOptions{
			Name:             spec.Name,
			Config:           &container.Config{Image: spec.Image, Env: spec.Env, Labels: spec.Labels, Hostname: spec.Hostname, ExposedPorts: exposed},
			HostConfig:       hostCfg,
			NetworkingConfig: netCfg,
		})
		if err != nil {
			if cerrdefs.IsNotFound(err) {
				return nil, fmt.Errorf("image %s does not exist: build it (make images) or check HS_IMAGE", spec.Image)
			}
			return nil, fmt.Errorf("creating container %s from %s: %w", spec.Name, spec.Image, err)
		}
		return &Container{ID: created.ID, Name: spec.Name, engine: e}, nil
	}
	c, err := create()
	if err != nil {
		return nil, err
	}
	if held := e.imageContentIn(createCtx, c, spec.Tmpfs); len(held) > 0 {
		// A memory mount would hide what the image keeps there: those
		// directories get an anonymous volume, which starts as a copy.
		if err := c.Remove(createCtx); err != nil {
			return nil, err
		}
		for _, dir := range held {
			delete(hostCfg.Tmpfs, dir)
			hostCfg.Mounts = append(hostCfg.Mounts, mount.Mount{Type: mount.TypeVolume, Target: dir})
		}
		if c, err = create(); err != nil {
			return nil, err
		}
		c.OnDisk = held
	}
	fail := func(err error) (*Container, error) {
		c.Remove(createCtx)
		return nil, err
	}
	if len(spec.Files) > 0 {
		archive, err := tarFiles(spec.Files)
		if err != nil {
			return fail(err)
		}
		if _, err := e.cli.CopyToContainer(ctx, c.ID, client.CopyToContainerOptions{DestinationPath: "/", Content: archive}); err != nil {
			return fail(fmt.Errorf("copying files into %s: %w", spec.Name, err))
		}
	}
	c.Started = time.Now()
	if _, err := e.cli.ContainerStart(ctx, c.ID, client.ContainerStartOptions{}); err != nil {
		return fail(startError(spec, err))
	}
	c.wantPorts = spec.Ports
	if err := c.readPorts(ctx); err != nil {
		return fail(err)
	}
	return c, nil
}

// readPorts learns where the engine published the container's ports; they
// change every time the container starts.
func (c *Container) readPorts(ctx context.Context) error {
	ins, err := c.engine.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspecting container %s: %w", c.Name, err)
	}
	c.ports = map[string]netip.AddrPort{}
	if ins.Container.NetworkSettings != nil {
		for port, binds := range ins.Container.NetworkSettings.Ports {
			for _, b := range binds {
				addr, err := netip.ParseAddrPort(b.HostIP.String() + ":" + b.HostPort)
				if err == nil && addr.Addr().Is4() {
					c.ports[port.String()] = addr
				}
			}
		}
	}
	for _, p := range c.wantPorts {
		if _, ok := c.ports[p]; !ok {
			state, _ := c.State(ctx)
			return fmt.Errorf("container %s: port %s was not published (container state: %s)", c.Name, p, state)
		}
	}
	return nil
}

// HostAddr is where the test process reaches a published container port.
func (c *Container) HostAddr(port string) netip.AddrPort { return c.ports[port] }

// State describes whether the container still runs.
type State struct {
	Running  bool
	Paused   bool
	ExitCode int
	Status   string
	OOM      bool
	// Health is the image's HEALTHCHECK verdict ("starting", "healthy",
	// "unhealthy"); empty when the image has none.
	Health string
}

func (s State) String() string {
	if s.Paused {
		return "paused"
	}
	if s.Running {
		return "running"
	}
	msg := fmt.Sprintf("%s with exit code %d", s.Status, s.ExitCode)
	if s.OOM {
		msg += " (killed: out of memory)"
	}
	return msg
}

// State asks the engine for the container's state.
func (c *Container) State(ctx context.Context) (State, error) {
	ins, err := c.engine.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
	if err != nil {
		return State{}, fmt.Errorf("inspecting container %s: %w", c.Name, err)
	}
	s := ins.Container.State
	if s == nil {
		return State{}, fmt.Errorf("container %s has no state", c.Name)
	}
	st := State{Running: s.Running, Paused: s.Paused, ExitCode: s.ExitCode, Status: string(s.Status), OOM: s.OOMKilled}
	if s.Health != nil {
		st.Health = string(s.Health.Status)
	}
	return st, nil
}

// Logs returns the container's output (stdout and stderr interleaved as
// written) since the given time; the zero time means everything.
func (c *Container) Logs(ctx context.Context, since time.Time) ([]byte, error) {
	opts := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true}
	if !since.IsZero() {
		opts.Since = fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond())
	}
	return c.logs(ctx, opts)
}

// Tail returns the last n lines of the container's output.
func (c *Container) Tail(ctx context.Context, n int) ([]byte, error) {
	return c.logs(ctx, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: fmt.Sprint(n)})
}

func (c *Container) logs(ctx context.Context, opts client.ContainerLogsOptions) ([]byte, error) {
	rc, err := c.engine.cli.ContainerLogs(ctx, c.ID, opts)
	if err != nil {
		return nil, fmt.Errorf("reading logs of %s: %w", c.Name, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		return buf.Bytes(), fmt.Errorf("reading logs of %s: %w", c.Name, err)
	}
	return buf.Bytes(), nil
}

// Stop stops the container gracefully (SIGTERM, then SIGKILL after timeout).
func (c *Container) Stop(ctx context.Context, timeout time.Duration) error {
	secs := int(timeout.Seconds())
	if _, err := c.engine.cli.ContainerStop(ctx, c.ID, client.ContainerStopOptions{Timeout: &secs}); err != nil {
		return fmt.Errorf("stopping %s: %w", c.Name, err)
	}
	return nil
}

// Start starts a stopped container again; its published ports change.
func (c *Container) Start(ctx context.Context) error {
	c.Started = time.Now()
	if _, err := c.engine.cli.ContainerStart(ctx, c.ID, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("starting %s: %w", c.Name, err)
	}
	return c.readPorts(ctx)
}

// Remove kills and deletes the container and its anonymous volumes.
func (c *Container) Remove(ctx context.Context) error {
	_, err := c.engine.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("removing container %s: %w", c.Name, err)
	}
	return nil
}

// tarFiles packs files into an archive rooted at /, creating parent directories.
func tarFiles(files map[string]File) (*bytes.Buffer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for name := range files {
		if !path.IsAbs(name) {
			return nil, fmt.Errorf("file %q: want an absolute path", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	now := time.Now()
	for _, name := range names {
		parts := strings.Split(strings.TrimPrefix(path.Dir(name), "/"), "/")
		for i := range parts {
			dir := strings.Join(parts[:i+1], "/")
			if dir == "" || dirs[dir] {
				continue
			}
			dirs[dir] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: now}); err != nil {
				return nil, err
			}
		}
		f := files[name]
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(name, "/"), Mode: mode, Size: int64(len(f.Content)), ModTime: now}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.Content); err != nil {
			return nil, err
		}
	}
	return &buf, tw.Close()
}

// CPUTime is the CPU time (user and system) the container's processes have
// used since it started, as the engine's cgroup accounting reports it.
func (c *Container) CPUTime(ctx context.Context) (time.Duration, error) {
	res, err := c.engine.cli.ContainerStats(ctx, c.ID, client.ContainerStatsOptions{})
	if err != nil {
		return 0, fmt.Errorf("reading the statistics of container %s: %w", c.Name, err)
	}
	defer res.Body.Close()
	var stats struct {
		CPU struct {
			Usage struct {
				Total uint64 `json:"total_usage"`
			} `json:"cpu_usage"`
		} `json:"cpu_stats"`
	}
	if err := json.NewDecoder(res.Body).Decode(&stats); err != nil {
		return 0, fmt.Errorf("reading the statistics of container %s: %w", c.Name, err)
	}
	return time.Duration(stats.CPU.Usage.Total), nil
}

// imageContentIn lists the directories of dirs where the container's image
// holds files, on engines whose memory mounts start empty (Docker; Podman
// copies the image's content in). c is created, not started.
func (e *Engine) imageContentIn(ctx context.Context, c *Container, dirs []string) []string {
	if e.podman {
		return nil
	}
	var held []string
	for _, dir := range dirs {
		res, err := e.cli.CopyFromContainer(ctx, c.ID, client.CopyFromContainerOptions{SourcePath: dir})
		if err != nil {
			continue // not in the image: an empty memory mount it is
		}
		tr := tar.NewReader(res.Content)
		entries := 0
		for entries < 2 {
			if _, err := tr.Next(); err != nil {
				break
			}
			entries++ // the directory itself, then its first file
		}
		res.Content.Close()
		if entries > 1 {
			held = append(held, dir)
		}
	}
	return held
}

// startError explains an engine's refusal to start a container; a refusal
// to set resource limits gets the one change that helps.
func startError(spec ContainerSpec, err error) error {
	if strings.Contains(err.Error(), "rlimit") {
		var limits []string
		for _, name := range slices.Sorted(maps.Keys(spec.Ulimits)) {
			limits = append(limits, fmt.Sprintf("%s=%d", name, spec.Ulimits[name]))
		}
		return fmt.Errorf("the engine cannot give container %s its resource limits (%s): set lower ones with HERALD_ULIMITS=nofile=1024,nproc=1024 or `ulimits:` in ginkgo.yaml (engine said: %w)",
			spec.Name, strings.Join(limits, ", "), err)
	}
	return fmt.Errorf("starting container %s: %w", spec.Name, err)
}

// Written is what a container wrote into its own layered file system (not
// into volumes or memory mounts).
type Written struct {
	Bytes int64
	// Dirs are the top-level directories holding changed files, most
	// changed first.
	Dirs []string
}

// Written reads how much the container wrote into its writable layer, and
// where, from the layer's directory on this machine (the engine's overlay
// upper directory). Asking the engine instead (a size inspect, a diff)
// walks the whole image on storage drivers without native diffs, which
// takes minutes for a large image. An engine on another machine, or a
// storage driver without an upper directory, gives an error.
func (c *Container) Written(ctx context.Context) (Written, error) {
	ins, err := c.engine.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
	if err != nil {
		return Written{}, fmt.Errorf("inspecting container %s: %w", c.Name, err)
	}
	upper := ""
	if gd := ins.Container.GraphDriver; gd != nil {
		upper = gd.Data["UpperDir"]
	}
	if upper == "" {
		return Written{}, fmt.Errorf("container %s: the storage driver names no upper directory", c.Name)
	}
	var w Written
	var paths []string
	err = filepath.WalkDir(upper, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				w.Bytes += info.Size()
			}
			rel, _ := filepath.Rel(upper, p)
			paths = append(paths, "/"+filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return Written{}, fmt.Errorf("reading the writable layer of %s: %w", c.Name, err)
	}
	w.Dirs = busiestDirs(paths)
	return w, nil
}

// busiestDirs ranks the top-level directories of changed paths by how many
// changes they hold, leaving out where the image contract itself writes
// (the CA, trust stores) and scratch space.
func busiestDirs(paths []string) []string {
	count := map[string]int{}
	for _, p := range paths {
		parts := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 3)
		if len(parts) < 2 { // the directory itself, not a file in it
			continue
		}
		switch parts[0] {
		case "complement", "etc", "usr", "tmp", "run", "proc", "dev", "sys", "var":
			continue
		}
		count["/"+parts[0]]++
	}
	dirs := make([]string, 0, len(count))
	for d := range count {
		dirs = append(dirs, d)
	}
	sort.Slice(dirs, func(i, j int) bool {
		if count[dirs[i]] != count[dirs[j]] {
			return count[dirs[i]] > count[dirs[j]]
		}
		return dirs[i] < dirs[j]
	})
	return dirs
}

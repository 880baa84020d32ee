// Package homeserver runs the homeserver under test in Docker and knows how to reach it.
package homeserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"herald/harness/docker"
	"herald/harness/pki"
)

// Ports of the image contract.
const (
	ClientPort     = "8008/tcp"
	FederationPort = "8448/tcp"
)

// logTail is how much of the log a failure shows.
const logTail = 100

// Options describe one homeserver to start.
type Options struct {
	Engine  *docker.Engine
	Image   string
	Network *docker.Network
	// ServerName is the homeserver's Matrix server name (SERVER_NAME).
	ServerName string
	// ContainerName must be unique on the engine.
	ContainerName string
	// CA is the run's CA, copied in as /complement/ca/ca.{crt,key}.
	CA     *pki.CA
	Labels map[string]string
	// ReadyTimeout bounds the wait for /_matrix/client/versions.
	ReadyTimeout time.Duration
	// Tmpfs are directories mounted as memory file systems.
	Tmpfs []string
	// Ulimits are the container's resource limits ("nofile", "nproc").
	Ulimits map[string]int64
}

// Homeserver is a running homeserver under test.
type Homeserver struct {
	// ServerName is the Matrix server name; user IDs end with it.
	ServerName string
	Image      string
	// ClientURL is the client-server API base, reachable from the test process.
	ClientURL string
	// FederationAddr is where the test process reaches the federation port;
	// TLS to it uses ServerName for SNI and certificate checks.
	FederationAddr netip.AddrPort
	// BootTime is how long the server took from container start to ready.
	BootTime time.Duration
	// OnDisk are the directories asked for in memory that got a volume
	// instead (see docker.Container.OnDisk).
	OnDisk []string

	ctr *docker.Container
	ca  *pki.CA
	// stateOf replaces the engine's answer in unit tests.
	stateOf func(context.Context) (docker.State, error)
}

// Start runs the image under the image contract and waits until it is ready.
// On failure the container is removed and the error carries its log tail.
func Start(ctx context.Context, o Options) (*Homeserver, error) {
	user, err := o.Engine.ImageUser(ctx, o.Image)
	if err != nil {
		return nil, err
	}
	ctr, err := o.Engine.Run(ctx, docker.ContainerSpec{
		Name:       o.ContainerName,
		Image:      o.Image,
		Env:        []string{"SERVER_NAME=" + o.ServerName},
		Labels:     o.Labels,
		Network:    o.Network,
		Aliases:    []string{o.ServerName},
		Hostname:   o.ServerName,
		ExtraHosts: []string{"host.docker.internal:" + o.Network.Gateway.String()},
		Ports:      []string{ClientPort, FederationPort},
		Files: map[string]docker.File{
			"/complement/ca/ca.crt": {Content: o.CA.CertPEM, Mode: 0o644},
			"/complement/ca/ca.key": {Content: o.CA.KeyPEM, Mode: caKeyMode(user)},
		},
		Tmpfs:   o.Tmpfs,
		Ulimits: o.Ulimits,
	})
	if err != nil {
		return nil, err
	}
	hs := &Homeserver{
		ServerName:     o.ServerName,
		Image:          o.Image,
		ClientURL:      "http://" + ctr.HostAddr(ClientPort).String(),
		FederationAddr: ctr.HostAddr(FederationPort),
		ctr:            ctr,
		ca:             o.CA,
		OnDisk:         ctr.OnDisk,
	}
	if err := hs.waitReady(ctx, o.ReadyTimeout); err != nil {
		ctr.Remove(context.WithoutCancel(ctx))
		return nil, err
	}
	hs.BootTime = time.Since(ctr.Started)
	return hs, nil
}

// caKeyMode is the mode of the CA key in the container: owner-only when the
// image runs as root (the files are root's), readable by all when it runs
// as another user, who must read it to sign the server's certificate.
func caKeyMode(user string) int64 {
	switch user {
	case "", "root", "0", "root:root", "0:0":
		return 0o600
	}
	return 0o644
}

// waitReady polls /_matrix/client/versions until it answers 200 (and, when
// the image has a HEALTHCHECK, the engine calls the container healthy, as
// Complement waits for), the container exits, or the timeout passes.
func (hs *Homeserver) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	probe := &http.Client{Timeout: 2 * time.Second}
	url := hs.ClientURL + "/_matrix/client/versions"
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	lastState := time.Time{}
	lastErr := "no answer yet"
	health := ""
	sawOK := false
	for {
		answered := false
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if res, err := probe.Do(req); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			answered = res.StatusCode == http.StatusOK
			lastErr = res.Status
		} else {
			lastErr = err.Error()
		}
		// The engine is asked at most every second while waiting, and once
		// more before ready is declared (a HEALTHCHECK is seen only there).
		if since := time.Since(lastState); since > time.Second || answered && since > 250*time.Millisecond {
			lastState = time.Now()
			st, err := hs.state(ctx)
			if err == nil && (!st.Running || st.Paused) && ctx.Err() == nil {
				return fmt.Errorf("%s (%s) did not become ready: %w", hs.ServerName, hs.Image, hs.Alive(ctx))
			}
			if err == nil {
				health = st.Health
			}
			if answered && (health == "" || health == "healthy") {
				return nil
			}
		}
		if answered {
			sawOK = true
		}
		if sawOK && health != "" && health != "healthy" {
			lastErr = "GET /_matrix/client/versions answered 200, but the image's HEALTHCHECK says " + health
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s (%s) was not ready within %s (last: %s); its last %d log lines:\n%s",
				hs.ServerName, hs.Image, timeout, lastErr, logTail, hs.tail())
		case <-tick.C:
		}
	}
}

func (hs *Homeserver) tail() string {
	if hs.ctr == nil {
		return "    (no container)"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := hs.ctr.Tail(ctx, logTail)
	if err != nil && len(out) == 0 {
		return "(log unavailable: " + err.Error() + ")"
	}
	return indent(string(out))
}

// Logs returns what the homeserver logged since t (everything for zero t).
func (hs *Homeserver) Logs(ctx context.Context, since time.Time) ([]byte, error) {
	return hs.ctr.Logs(ctx, since)
}

// Restart stops and starts the container and waits until it is ready again.
func (hs *Homeserver) Restart(ctx context.Context, timeout time.Duration) error {
	if err := hs.ctr.Stop(ctx, 10*time.Second); err != nil {
		return err
	}
	if err := hs.ctr.Start(ctx); err != nil {
		return err
	}
	hs.ClientURL = "http://" + hs.ctr.HostAddr(ClientPort).String()
	hs.FederationAddr = hs.ctr.HostAddr(FederationPort)
	return hs.waitReady(ctx, timeout)
}

// CPUTime is the CPU time the homeserver's container has used so far.
func (hs *Homeserver) CPUTime(ctx context.Context) (time.Duration, error) {
	return hs.ctr.CPUTime(ctx)
}

// Remove deletes the container.
func (hs *Homeserver) Remove(ctx context.Context) error {
	if hs == nil || hs.ctr == nil {
		return nil
	}
	return hs.ctr.Remove(ctx)
}

// FederationTLS is a TLS configuration for reaching the homeserver's
// federation port: SNI is the server name and only the run's CA is trusted.
func (hs *Homeserver) FederationTLS() *tls.Config { return hs.ca.ClientConfig(hs.ServerName) }

// UserID is the full Matrix ID of a local user.
func (hs *Homeserver) UserID(localpart string) string {
	return "@" + localpart + ":" + hs.ServerName
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (empty log)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

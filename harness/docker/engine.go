// Package docker drives the Docker Engine for Herald: images, networks, homeserver containers, logs and the label sweep.
package docker

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// Labels every resource Herald creates carries.
const (
	// LabelManaged marks anything Herald made; `make clean` removes all of it.
	LabelManaged = "herald.managed"
	// LabelRun names the run a container or network belongs to.
	LabelRun = "herald.run"
	// LabelOwner identifies the process that owns a resource (see Owner).
	LabelOwner = "herald.owner"
	// LabelSource holds, on an image built from a folder, the digest of
	// what it was built from (see sourceDigest): an image whose digest
	// differs from the folder's is rebuilt.
	LabelSource = "herald.source"
)

// pingTimeout bounds how long we wait to learn that no engine answers.
const pingTimeout = 10 * time.Second

// Engine is a connection to the Docker Engine.
type Engine struct {
	cli *client.Client
	// podman is true when the engine is Podman's Docker-compatible service.
	podman bool
}

// Connect reaches the Docker Engine named by the environment (DOCKER_HOST,
// else the local socket) and checks that it answers.
func Connect(ctx context.Context) (*Engine, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("no Docker engine: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		host := os.Getenv("DOCKER_HOST")
		if host == "" {
			host = "the local socket"
		}
		cli.Close()
		return nil, fmt.Errorf("no Docker engine answers at %s (%v): start the Docker daemon or set DOCKER_HOST", host, err)
	}
	e := &Engine{cli: cli}
	if v, err := cli.ServerVersion(pctx, client.ServerVersionOptions{}); err == nil {
		for _, c := range v.Components {
			if strings.Contains(c.Name, "Podman") {
				e.podman = true
			}
		}
	}
	return e, nil
}

// Close releases the connection.
func (e *Engine) Close() error { return e.cli.Close() }

// Labels returns the labels for a resource owned by this process in run.
func Labels(run string) map[string]string {
	return map[string]string{
		LabelManaged: "true",
		LabelRun:     run,
		LabelOwner:   Self().String(),
	}
}

package docker

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/moby/moby/client"
)

// Network is a bridge network Herald made for one run.
type Network struct {
	ID   string
	Name string
	// Gateway is the host's address on the network: containers reach the
	// test process (the mock servers) there.
	Gateway netip.Addr
}

// CreateNetwork makes a labelled bridge network.
func (e *Engine) CreateNetwork(ctx context.Context, name string, labels map[string]string) (*Network, error) {
	createCtx, cancel := uninterrupted(ctx)
	defer cancel()
	res, err := e.cli.NetworkCreate(createCtx, name, client.NetworkCreateOptions{Driver: "bridge", Labels: labels})
	if err != nil {
		return nil, fmt.Errorf("creating network %s: %w", name, err)
	}
	n, err := e.inspectNetwork(ctx, res.ID)
	if err != nil {
		e.RemoveNetwork(createCtx, res.ID)
		return nil, err
	}
	return n, nil
}

// OpenNetwork finds an existing network by name or ID (another Ginkgo
// process made it).
func (e *Engine) OpenNetwork(ctx context.Context, nameOrID string) (*Network, error) {
	return e.inspectNetwork(ctx, nameOrID)
}

func (e *Engine) inspectNetwork(ctx context.Context, id string) (*Network, error) {
	res, err := e.cli.NetworkInspect(ctx, id, client.NetworkInspectOptions{})
	if err != nil {
		return nil, fmt.Errorf("inspecting network %s: %w", id, err)
	}
	n := &Network{ID: res.Network.ID, Name: res.Network.Name}
	for _, cfg := range res.Network.IPAM.Config {
		if cfg.Gateway.Is4() {
			n.Gateway = cfg.Gateway
			break
		}
	}
	if !n.Gateway.IsValid() {
		return nil, fmt.Errorf("network %s has no IPv4 gateway", n.Name)
	}
	return n, nil
}

// RemoveNetwork deletes a network.
func (e *Engine) RemoveNetwork(ctx context.Context, id string) error {
	if _, err := e.cli.NetworkRemove(ctx, id, client.NetworkRemoveOptions{}); err != nil {
		return fmt.Errorf("removing network %s: %w", id, err)
	}
	return nil
}

package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Swept counts what a sweep removed.
type Swept struct {
	Containers, Networks, Images int
}

// SweepOrphans removes containers and networks Herald made whose owning
// process is gone (a run that was killed). Resources of live runs — another
// CI job on the same engine, another homeserver's run side by side — stay.
func (e *Engine) SweepOrphans(ctx context.Context) (Swept, error) {
	return e.sweep(ctx, func(labels map[string]string) bool {
		o, err := ParseOwner(labels[LabelOwner])
		return err == nil && o.Gone()
	}, false)
}

// SweepRun removes every container and network of one run.
func (e *Engine) SweepRun(ctx context.Context, run string) (Swept, error) {
	return e.sweep(ctx, func(labels map[string]string) bool { return labels[LabelRun] == run }, false)
}

// SweepAll removes every container, network and image labelled as Herald's,
// whoever owns it (`make clean`).
func (e *Engine) SweepAll(ctx context.Context) (Swept, error) {
	return e.sweep(ctx, func(map[string]string) bool { return true }, true)
}

func (e *Engine) sweep(ctx context.Context, doomed func(map[string]string) bool, images bool) (Swept, error) {
	var s Swept
	var errs []error
	managed := client.Filters{}.Add("label", LabelManaged+"=true")

	cs, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: managed})
	if err != nil {
		return s, fmt.Errorf("listing containers: %w", err)
	}
	for _, c := range cs.Items {
		if !doomed(c.Labels) {
			continue
		}
		_, err := e.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("removing container %s: %w", c.ID[:12], err))
			continue
		}
		s.Containers++
	}

	ns, err := e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: managed})
	if err != nil {
		return s, errors.Join(append(errs, fmt.Errorf("listing networks: %w", err))...)
	}
	for _, n := range ns.Items {
		if !doomed(n.Labels) {
			continue
		}
		if _, err := e.cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("removing network %s: %w", n.Name, err))
			continue
		}
		s.Networks++
	}

	if images {
		is, err := e.cli.ImageList(ctx, client.ImageListOptions{Filters: managed})
		if err != nil {
			return s, errors.Join(append(errs, fmt.Errorf("listing images: %w", err))...)
		}
		for _, img := range is.Items {
			if _, err := e.cli.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil && !cerrdefs.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("removing image %s: %w", img.ID, err))
				continue
			}
			s.Images++
		}
	}
	return s, errors.Join(errs...)
}

// Resource is a container or network Herald made, with its labels.
type Resource struct {
	Kind   string // "container" or "network"
	ID     string
	Name   string
	Labels map[string]string
}

func (r Resource) String() string {
	return fmt.Sprintf("%s %s (run %s, owner %s)", r.Kind, r.Name, r.Labels[LabelRun], r.Labels[LabelOwner])
}

// Managed lists every container and network labelled as Herald's, whoever
// owns it.
func (e *Engine) Managed(ctx context.Context) ([]Resource, error) {
	managed := client.Filters{}.Add("label", LabelManaged+"=true")
	cs, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: managed})
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	var rs []Resource
	for _, c := range cs.Items {
		name := c.ID[:12]
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		rs = append(rs, Resource{Kind: "container", ID: c.ID, Name: name, Labels: c.Labels})
	}
	ns, err := e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: managed})
	if err != nil {
		return nil, fmt.Errorf("listing networks: %w", err)
	}
	for _, n := range ns.Items {
		rs = append(rs, Resource{Kind: "network", ID: n.ID, Name: n.Name, Labels: n.Labels})
	}
	return rs, nil
}

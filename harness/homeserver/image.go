package homeserver

import (
	"context"
	"io"

	"herald/harness/config"
	"herald/harness/docker"
	"herald/harness/foreignimage"
)

// Image says how to get the configured homeserver's image: build it from its
// context (on a Debian base made offline if need be), or from the server's
// own published source, or pull it when Herald has neither.
func Image(c *config.Config, log io.Writer) docker.ImageSpec {
	spec := docker.ImageSpec{
		Ref:        c.Homeserver.Image,
		Build:      c.Homeserver.Build,
		Dockerfile: c.Homeserver.Dockerfile,
		Base:       docker.BaseSpec{Image: c.Base.Image, Fallback: c.Base.Fallback, Mirror: c.Base.Mirror},
		Log:        log,
	}
	if src := c.Homeserver.Source; src != nil && spec.Build == "" {
		spec.Prepare = func(ctx context.Context, base string, available func(string) bool, log io.Writer) (string, func(), error) {
			bc, err := foreignimage.Prepare(ctx, foreignimage.Source{Module: src.Module, Dockerfile: src.Dockerfile}, base, available, log)
			if err != nil {
				return "", nil, err
			}
			return bc.Dir, func() { bc.Remove() }, nil
		}
	}
	return spec
}

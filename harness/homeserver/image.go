package homeserver

import (
	"io"

	"herald/harness/config"
	"herald/harness/docker"
)

// Image says how to get the configured homeserver's image: build it from its
// context (on a Debian base made offline if need be), or pull it when Herald
// has no build context for it.
func Image(c *config.Config, log io.Writer) docker.ImageSpec {
	return docker.ImageSpec{
		Ref:   c.Homeserver.Image,
		Build: c.Homeserver.Build,
		Base:  docker.BaseSpec{Image: c.Base.Image, Fallback: c.Base.Fallback, Mirror: c.Base.Mirror},
		Log:   log,
	}
}

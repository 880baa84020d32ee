package docker

import (
	"context"
	"time"
)

// createTimeout bounds one create request to the engine.
const createTimeout = 2 * time.Minute

// uninterrupted is the context for a request that creates something. The
// engine completes a create whose client has gone away, so a create
// abandoned on an interrupt makes a container or network after the
// teardown has looked for them: no one would remove it. Such a request
// runs to its end, and the caller removes what it made if ctx has ended.
func uninterrupted(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
}

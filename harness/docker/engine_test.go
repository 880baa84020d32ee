package docker

import (
	"context"
	"testing"
	"time"
)

// engineForTest connects to the Docker engine these tests need (make test
// has one) and returns it with a context that ends after limit; both are
// released when the test ends.
func engineForTest(t *testing.T, limit time.Duration) (context.Context, *Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	e, err := Connect(ctx)
	if err != nil {
		t.Fatalf("this test needs a Docker engine: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return ctx, e
}

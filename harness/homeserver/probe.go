package homeserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"herald/harness/docker"
)

// Down says why the homeserver cannot serve specs: its container exited
// (or was paused), or it stopped answering.
type Down struct {
	// Reason is one line: "homeserver hs1 exited with exit code 137".
	Reason string
	// Exited is true when the container no longer runs; such a server does
	// not come back by itself.
	Exited bool
	// Tail is the end of its log, indented.
	Tail string
}

func (d *Down) Error() string {
	return fmt.Sprintf("%s; its last %d log lines:\n%s", d.Reason, logTail, d.Tail)
}

// Alive returns a *Down naming the exit code and log tail when the
// homeserver's container is no longer running.
func (hs *Homeserver) Alive(ctx context.Context) error {
	st, err := hs.state(ctx)
	if err != nil {
		return err
	}
	if st.Running && !st.Paused {
		return nil
	}
	return &Down{Reason: fmt.Sprintf("homeserver %s %s", hs.ServerName, describe(st.String())), Exited: !st.Running, Tail: hs.tail()}
}

// state asks the engine (or a unit test's stand-in) for the container's state.
func (hs *Homeserver) state(ctx context.Context) (docker.State, error) {
	if hs.stateOf != nil {
		return hs.stateOf(ctx)
	}
	return hs.ctr.State(ctx)
}

func describe(state string) string {
	if state == "paused" {
		return "is paused"
	}
	return state
}

// Probe checks that the homeserver answers GET /_matrix/client/versions
// within timeout and, when it does not, asks the engine why: exited,
// paused, or running but silent (deadlocked, stopped, swamped). Each is a
// *Down. A healthy server costs one request, and the engine nothing.
func (hs *Homeserver) Probe(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hs.ClientURL+"/_matrix/client/versions", nil)
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			return nil
		}
		if err := hs.Alive(ctx); err != nil {
			return err
		}
		return &Down{Reason: fmt.Sprintf("homeserver %s answered GET /_matrix/client/versions with %s", hs.ServerName, res.Status), Tail: hs.tail()}
	}
	if parent := context.Cause(ctx); parent != nil && !errors.Is(parent, context.DeadlineExceeded) {
		return err // the spec itself was interrupted
	}
	// A server that just died drops connections a moment before the
	// engine sees its container exit: give the engine a second to tell.
	for range 10 {
		if err := hs.Alive(context.WithoutCancel(ctx)); err != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &Down{
		Reason: fmt.Sprintf("homeserver %s is running but did not answer GET /_matrix/client/versions within %s (waited %s: %v)",
			hs.ServerName, timeout, time.Since(start).Round(time.Millisecond), err),
		Tail: hs.tail(),
	}
}

package homeserver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"herald/harness/docker"
)

// fake is a homeserver whose client API is h and whose container the
// engine reports as st.
func fake(t *testing.T, h http.HandlerFunc, st docker.State) *Homeserver {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Homeserver{ServerName: "hs1", ClientURL: srv.URL,
		stateOf: func(context.Context) (docker.State, error) { return st, nil }}
}

var running = docker.State{Running: true}

func TestProbePassesAnAnsweringServer(t *testing.T) {
	hs := fake(t, func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"versions":["v1.11"]}`)) }, running)
	if err := hs.Probe(t.Context(), time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestProbeFailsASilentServerWithinTheTimeout(t *testing.T) {
	release := make(chan struct{})
	hs := fake(t, func(http.ResponseWriter, *http.Request) { <-release }, running)
	defer close(release)
	start := time.Now()
	err := hs.Probe(t.Context(), 200*time.Millisecond)
	var down *Down
	if !errors.As(err, &down) || down.Exited || !strings.Contains(down.Reason, "is running but did not answer") {
		t.Fatalf("got %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %s to notice", took)
	}
}

func TestProbeNamesTheExitCodeOfADeadServer(t *testing.T) {
	hs := fake(t, func(w http.ResponseWriter, _ *http.Request) {}, docker.State{Status: "exited", ExitCode: 137})
	hs.ClientURL = "http://127.0.0.1:1" // nothing listens
	err := hs.Probe(t.Context(), time.Second)
	var down *Down
	if !errors.As(err, &down) || !down.Exited || !strings.Contains(down.Reason, "exit code 137") {
		t.Fatalf("got %v", err)
	}
}

func TestProbeFailsAnErrorStatusAndAPausedContainer(t *testing.T) {
	hs := fake(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) }, running)
	if err := hs.Probe(t.Context(), time.Second); err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("502 from /versions: got %v", err)
	}
	hs = fake(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) }, docker.State{Running: true, Paused: true})
	if err := hs.Probe(t.Context(), time.Second); err == nil || !strings.Contains(err.Error(), "is paused") {
		t.Errorf("paused container: got %v", err)
	}
}

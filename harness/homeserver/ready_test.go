package homeserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"herald/harness/docker"
)

// An image with a HEALTHCHECK is ready when the engine calls it healthy,
// not before, even though /versions already answers (Complement's contract).
func TestReadyWaitsForTheImagesHealthcheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(srv.Close)
	var asked atomic.Int32
	hs := &Homeserver{ServerName: "hs1", ClientURL: srv.URL, stateOf: func(context.Context) (docker.State, error) {
		if asked.Add(1) < 3 {
			return docker.State{Running: true, Health: "starting"}, nil
		}
		return docker.State{Running: true, Health: "healthy"}, nil
	}}
	if err := hs.waitReady(t.Context(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := asked.Load(); n < 3 {
		t.Errorf("ready after %d engine answers, before the HEALTHCHECK said healthy", n)
	}
}

func TestReadyNamesAnUnhealthyHealthcheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(srv.Close)
	hs := &Homeserver{ServerName: "hs1", ClientURL: srv.URL, stateOf: func(context.Context) (docker.State, error) {
		return docker.State{Running: true, Health: "unhealthy"}, nil
	}}
	err := hs.waitReady(t.Context(), 1500*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "HEALTHCHECK says unhealthy") {
		t.Fatalf("got %v", err)
	}
}

// Without a HEALTHCHECK, an answering server is ready at once.
func TestReadyWithoutHealthcheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(srv.Close)
	hs := &Homeserver{ServerName: "hs1", ClientURL: srv.URL, stateOf: func(context.Context) (docker.State, error) {
		return docker.State{Running: true}, nil
	}}
	start := time.Now()
	if err := hs.waitReady(t.Context(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("took %s", took)
	}
}

func TestCAKeyModeFollowsTheImagesUser(t *testing.T) {
	for user, want := range map[string]int64{"": 0o600, "root": 0o600, "0:0": 0o600, "matrix": 0o644, "991:991": 0o644} {
		if got := caKeyMode(user); got != want {
			t.Errorf("user %q: mode %o, want %o", user, got, want)
		}
	}
}

package federation

import (
	"strings"
	"testing"

	"herald/harness/matrix"
	"herald/harness/mockhttp/mocktest"
)

// start runs one mock on loopback, closed when the test ends.
func start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return mocktest.Start(t, func() (*Server, error) { return Start(t.Context(), mocktest.Env(t), opts...) })
}

// pair runs two mocks that federate with each other: "home" plays the
// homeserver under test for "remote".
func pair(t testing.TB, homeOpts, remoteOpts []Option) (home, remote *Server) {
	t.Helper()
	home, remote = start(t, homeOpts...), start(t, remoteOpts...)
	home.Federate(remote.AsPeer())
	remote.Federate(home.AsPeer())
	return home, remote
}

// pairWithRoom runs a pair (see pair) and a room of version rv on
// remote, which its user alice created with opts.
func pairWithRoom(t testing.TB, rv matrix.RoomVersion, opts ...RoomOption) (home, remote *Server, room *Room, alice string) {
	t.Helper()
	home, remote = pair(t, nil, nil)
	alice = remote.User("alice")
	return home, remote, remote.CreateRoom(rv, alice, opts...), alice
}

// noProblems fails the test if either journal has a failed check.
func noProblems(t testing.TB, servers ...*Server) {
	t.Helper()
	for _, s := range servers {
		if p := s.Journal.Problems(); len(p) > 0 {
			t.Errorf("%s has problems:\n%v\n%s", s.Name(), p, s.Journal.Transcript())
		}
	}
}

// hasProblem fails the test unless s's journal has a problem whose check
// name contains what.
func hasProblem(t testing.TB, s *Server, what string) {
	t.Helper()
	for _, p := range s.Journal.Problems() {
		if strings.Contains(p.Check.Name, what) {
			return
		}
	}
	t.Errorf("expected a problem about %q on %s; problems: %v", what, s.Name(), s.Journal.Problems())
}

func eachVersion(t *testing.T, f func(t *testing.T, rv matrix.RoomVersion)) {
	for _, rv := range matrix.KnownVersions() {
		t.Run("v"+rv.ID, func(t *testing.T) {
			t.Parallel()
			f(t, rv)
		})
	}
}

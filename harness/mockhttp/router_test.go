package mockhttp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

type testRoute string

type testMock struct{ name string }

func TestRouterHandsEachRequestToItsMockWithTheRoute(t *testing.T) {
	const (
		invite   testRoute = "PUT /invite/{roomId}"
		version  testRoute = "GET /version"
		fallback testRoute = ""
	)
	rt := NewRouter([]testRoute{invite, version}, fallback, func(m *testMock, route testRoute, w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s|%s|%s", m.name, route, r.PathValue("roomId"))
	})
	a, b := rt.For(&testMock{"a"}), rt.For(&testMock{"b"})
	for _, c := range []struct {
		h            http.Handler
		method, path string
		want         string
	}{
		{a, "PUT", "/invite/!r1", "a|PUT /invite/{roomId}|!r1"},
		{b, "PUT", "/invite/!r2", "b|PUT /invite/{roomId}|!r2"},
		{a, "GET", "/version", "a|GET /version|"},
		{b, "GET", "/nowhere", "b||"},
	} {
		w := httptest.NewRecorder()
		c.h.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if got := w.Body.String(); got != c.want {
			t.Errorf("%s %s: served as %q, want %q", c.method, c.path, got, c.want)
		}
	}
}

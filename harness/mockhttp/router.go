package mockhttp

import (
	"context"
	"net/http"
	"strings"
)

// Router matches requests to the routes of one kind of mock. Its
// ServeMux is built once and shared by every mock of that kind (a run
// starts thousands of mocks, and parsing every pattern for each one cost
// more CPU than some specs); For hands each request to the mock it was
// sent to.
type Router[R ~string, M any] struct {
	mux   *http.ServeMux
	paths *http.ServeMux // every route's path, for any method
}

// routedMock is the context key under which For passes the mock to the
// shared handlers.
type routedMock struct{}

// NewRouter routes each of routes (a net/http pattern such as
// "GET /path/{id}") and everything else, as fallback, to serve.
func NewRouter[R ~string, M any](routes []R, fallback R, serve func(m M, route R, w http.ResponseWriter, r *http.Request)) *Router[R, M] {
	mux := http.NewServeMux()
	handle := func(pattern string, route R) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			serve(r.Context().Value(routedMock{}).(M), route, w, r)
		})
	}
	paths := http.NewServeMux()
	seen := map[string]bool{}
	for _, route := range routes {
		handle(string(route), route)
		_, path, _ := strings.Cut(string(route), " ")
		if !seen[path] {
			seen[path] = true
			paths.HandleFunc(path, http.NotFound)
		}
	}
	handle("/", fallback)
	return &Router[R, M]{mux: mux, paths: paths}
}

// OtherMethod reports whether r's path is a route's with another method:
// an endpoint the mock knows, called with a method it does not support
// (405 M_UNRECOGNIZED rather than 404).
func (rt *Router[R, M]) OtherMethod(r *http.Request) bool {
	_, pattern := rt.paths.Handler(r)
	return pattern != ""
}

// For is the handler of mock m: the shared routes, served by m.
func (rt *Router[R, M]) For(m M) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), routedMock{}, m)))
	})
}

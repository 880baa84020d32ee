package mockhttp

import "slices"

// Route is the kind of a mock's route type: the net/http pattern the
// route is served under ("GET /path/{id}"; "" for a request no route
// matched), with a short name for transcripts and a description for
// messages.
type Route interface {
	~string
	Name() string
	String() string
}

// RouteNames gives the short name of every route of one kind of mock, the
// unrouted request ("") among them.
type RouteNames[R ~string] map[R]string

// Name is the short name of route ("invite v2"), or its pattern if it has
// none.
func (n RouteNames[R]) Name(route R) string {
	if name, ok := n[route]; ok {
		return name
	}
	return string(route)
}

// Describe is the name and the pattern of route, or "unrouted request".
func (n RouteNames[R]) Describe(route R) string {
	if route == "" {
		return "unrouted request"
	}
	return n.Name(route) + " (" + string(route) + ")"
}

// Routes lists every named route but the unrouted request and those
// passed, in no particular order.
func (n RouteNames[R]) Routes(except ...R) []R {
	out := make([]R, 0, len(n))
	for route := range n {
		if route != "" && !slices.Contains(except, route) {
			out = append(out, route)
		}
	}
	return out
}

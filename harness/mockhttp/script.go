package mockhttp

import "sync"

// Script holds the answers that replace a mock's defaults, by route. It is
// safe for concurrent use.
type Script[R comparable, H any] struct {
	mu      sync.Mutex
	answers map[R]H
}

// NewScript starts a script with answers, which it takes over.
func NewScript[R comparable, H any](answers map[R]H) *Script[R, H] {
	return &Script[R, H]{answers: answers}
}

// Set scripts route with h.
func (s *Script[R, H]) Set(route R, h H) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[route] = h
}

// Unset restores the default answer of route.
func (s *Script[R, H]) Unset(route R) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.answers, route)
}

// Get returns the scripted answer of route, if any.
func (s *Script[R, H]) Get(route R) (H, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.answers[route]
	return h, ok
}

package federation

import (
	"time"

	"herald/harness/mockhttp"
)

// Option configures a mock server.
type Option func(*config)

type config struct {
	mockhttp.Settings[Route, *Request]
	keyID       string
	keyValidity time.Duration
	profiles    map[string]Profile
}

func newConfig(opts []Option) *config {
	c := &config{
		Settings:    mockhttp.DefaultSettings[Route, *Request](),
		keyValidity: 24 * time.Hour,
		profiles:    map[string]Profile{},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Answer scripts route: the mock answers it with h instead of its default.
func Answer(route Route, h Handler) Option {
	return func(c *config) { c.Answers[route] = h }
}

// RequestTimeout bounds each request the mock sends (default 30s).
func RequestTimeout(d time.Duration) Option { return func(c *config) { c.RequestTimeout = d } }

// AllowProblems stops NewServer from failing the spec when the journal
// has problems at the end: for specs that provoke them on purpose.
func AllowProblems() Option { return func(c *config) { c.AllowProblems = true } }

// JudgedBy gives NewServer where to register its problem check so that
// it runs when the spec's body ends, as part of the spec's outcome
// (conformance.AtEnd); register reports whether it took it.
func JudgedBy(register func(judge func()) bool) Option {
	return func(c *config) { c.JudgedBy = register }
}

// KeyID sets the mock's signing key ID (default "ed25519:" and a random
// version).
func KeyID(id string) Option { return func(c *config) { c.keyID = id } }

// KeyValidity sets how far ahead of now the mock's key document puts
// valid_until_ts (default 24h); a negative duration publishes a document
// that has already expired.
func KeyValidity(d time.Duration) Option { return func(c *config) { c.keyValidity = d } }

// Host sets the host part of the mock's server name (default
// host.docker.internal, what homeserver containers resolve to the network
// gateway). The certificate is issued for it.
func Host(host string) Option { return func(c *config) { c.Host = host } }

// Profile is what the mock answers to a profile query for one of its users.
type Profile struct {
	DisplayName string
	AvatarURL   string
}

// WithProfile sets the profile of a mock user (by localpart). Users
// without one answer with their localpart as display name.
func WithProfile(localpart string, p Profile) Option {
	return func(c *config) { c.profiles[localpart] = p }
}

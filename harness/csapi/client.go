// Package csapi is Herald's Matrix client-server API client: raw requests that send any bytes, and typed helpers for the steps specs take.
package csapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/onsi/gomega"
)

// Client talks to one homeserver's client-server API, optionally as one user.
//
// A Client is safe for concurrent use; it is never mutated by its methods.
// Copies made with WithToken, WithSession and WithGomega share the HTTP
// client and settings but not the user.
type Client struct {
	// UserID is the Matrix user ID this client acts as, if known.
	UserID string
	// AccessToken is sent as a bearer token on every request unless a request
	// says otherwise. Empty means unauthenticated.
	AccessToken string
	// DeviceID is the device the access token belongs to, if known.
	DeviceID string

	baseURL     string
	base        *url.URL
	baseErr     error
	http        *http.Client
	timeout     time.Duration
	syncPoll    time.Duration
	syncTimeout time.Duration
	observer    func(SentRequest, *Response, error)
	g           gomega.Gomega
}

// Session is a user's identity on a homeserver: who, with which token, on
// which device.
type Session struct {
	UserID      string
	AccessToken string
	DeviceID    string
}

// Option configures a Client built by New.
type Option func(*Client)

// defaultHTTPClient never follows redirects (a conformance client reports
// them) and never uses a proxy (Herald talks to loopback only). It keeps
// enough idle connections for a process's users, long polls included, so
// that requests reuse them instead of opening new ones.
var defaultHTTPClient = &http.Client{
	Transport: func() http.RoundTripper {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		t.MaxIdleConnsPerHost = 32
		return t
	}(),
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// DefaultSyncPoll is the long-poll timeout SyncUntil asks the server for.
const DefaultSyncPoll = 2 * time.Second

// New returns an unauthenticated client for the homeserver whose
// client-server API is at baseURL, such as "http://127.0.0.1:32771".
// A malformed baseURL is reported by every request the client makes.
func New(baseURL string, opts ...Option) *Client {
	c := &Client{baseURL: baseURL, http: defaultHTTPClient, syncPoll: DefaultSyncPoll}
	u, err := url.Parse(baseURL)
	switch {
	case err != nil:
		c.baseErr = err
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		c.baseErr = fmt.Errorf("want an absolute http(s) URL, got %q", baseURL)
	default:
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = strings.TrimSuffix(u.RawPath, "/")
		u.RawQuery, u.Fragment = "", ""
		c.base = u
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// WithHTTPClient makes the client send its requests through hc. Redirects
// are reported as responses only if hc does not follow them.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.http = hc }
}

// WithRequestTimeout bounds every request (sending it and reading the whole
// answer) to d, on top of the caller's context. Zero means no bound other
// than the context. Sync requests get d plus their long-poll timeout.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout = d }
}

// WithSyncPoll sets the long-poll timeout SyncUntil asks the server for on
// each incremental /sync (DefaultSyncPoll if unset).
func WithSyncPoll(d time.Duration) Option {
	return func(c *Client) { c.syncPoll = d }
}

// WithSyncTimeout bounds every SyncUntil call to d unless its context ends
// sooner. Zero means only the context bounds it.
func WithSyncTimeout(d time.Duration) Option {
	return func(c *Client) { c.syncTimeout = d }
}

// WithObserver calls fn after every request with what was sent and either
// the response or the transport error, e.g. to keep a transcript for reports.
// fn may be called from several goroutines at once.
func WithObserver(fn func(sent SentRequest, res *Response, err error)) Option {
	return func(c *Client) { c.observer = fn }
}

// BaseURL returns the base URL the client was built with.
func (c *Client) BaseURL() string { return c.baseURL }

// Session returns the user, token and device the client acts as.
func (c *Client) Session() Session {
	return Session{UserID: c.UserID, AccessToken: c.AccessToken, DeviceID: c.DeviceID}
}

// WithSession returns a copy of the client acting as s.
func (c *Client) WithSession(s Session) *Client {
	cp := *c
	cp.UserID, cp.AccessToken, cp.DeviceID = s.UserID, s.AccessToken, s.DeviceID
	return &cp
}

// WithToken returns a copy of the client that authenticates with token
// (empty: not at all). UserID and DeviceID are cleared, since the token may
// belong to anyone or no one.
func (c *Client) WithToken(token string) *Client {
	return c.WithSession(Session{AccessToken: token})
}

// WithGomega returns a copy of the client whose MustX helpers report failures
// to g instead of the global Gomega, for use inside Eventually(func(g Gomega)
// {…}) or goroutines.
func (c *Client) WithGomega(g gomega.Gomega) *Client {
	cp := *c
	cp.g = g
	return &cp
}

// String names the client for failure messages.
func (c *Client) String() string {
	who := c.UserID
	if who == "" {
		who = "anonymous"
		if c.AccessToken != "" {
			who = "token-only"
		}
	}
	return fmt.Sprintf("%s at %s", who, c.baseURL)
}

// Path joins segments into an absolute URL path, escaping each segment on its
// own, so room IDs, event types and state keys may hold any character:
// Path("_matrix", "client", "v3", "rooms", "!r:hs1", "state", "m.room.name", "")
// is "/_matrix/client/v3/rooms/%21r:hs1/state/m.room.name/".
func Path(segments ...string) string {
	if len(segments) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// ClientPath is Path under "/_matrix/client/v3".
func ClientPath(segments ...string) string {
	return Path(append([]string{"_matrix", "client", "v3"}, segments...)...)
}

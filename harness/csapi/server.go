package csapi

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/onsi/ginkgo/v2"
)

// Versions is the answer to GET /_matrix/client/versions.
type Versions struct {
	Versions         []string        `json:"versions"`
	UnstableFeatures map[string]bool `json:"unstable_features"`
}

// Versions asks which spec versions the server supports
// (GET /_matrix/client/versions).
func (c *Client) Versions(ctx context.Context) (*Response, error) {
	res, err := c.Do(ctx, http.MethodGet, Path("_matrix", "client", "versions"))
	if err != nil {
		return nil, fmt.Errorf("fetching the supported versions: %w", err)
	}
	return res, nil
}

// MustVersions returns the supported versions; it fails the spec unless the
// server answers 200 with versions.
func (c *Client) MustVersions(ctx context.Context) Versions {
	ginkgo.GinkgoHelper()
	var v Versions
	res, err := c.Versions(ctx)
	c.mustDecode("fetching the supported versions", res, err, &v, "versions")
	return v
}

// Capabilities is the answer to GET /capabilities.
type Capabilities struct {
	// RoomVersions is m.room_versions, zero if the server did not send it.
	RoomVersions RoomVersions
	// All holds every capability by name, decoded with json.Number.
	All map[string]any
}

// RoomVersions is the m.room_versions capability.
type RoomVersions struct {
	// Default is the version the server uses when none is asked for.
	Default string
	// Available maps each version to "stable" or "unstable".
	Available map[string]string
}

// Enabled reports whether the capability name is present with enabled
// set to true, as the boolean capabilities (m.change_password,
// m.forget_forced_upon_leave, …) say they are on; anything else, a
// capability the server does not list included, is off.
func (c Capabilities) Enabled(name string) bool {
	capability, _ := c.All[name].(map[string]any)
	on, _ := capability["enabled"].(bool)
	return on
}

// Stable returns the versions marked stable, numeric ones first in numeric
// order, then the rest in lexical order.
func (rv RoomVersions) Stable() []string {
	var vs []string
	for v, stability := range rv.Available {
		if stability == "stable" {
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool {
		a, aErr := strconv.Atoi(vs[i])
		b, bErr := strconv.Atoi(vs[j])
		switch {
		case aErr == nil && bErr == nil:
			return a < b
		case aErr == nil || bErr == nil:
			return aErr == nil
		}
		return vs[i] < vs[j]
	})
	return vs
}

// Capabilities fetches the server's capabilities (GET /capabilities).
func (c *Client) Capabilities(ctx context.Context) (*Response, error) {
	return c.request(ctx, "fetching capabilities", http.MethodGet, ClientPath("capabilities"))
}

// ParseCapabilities reads a /capabilities answer.
func ParseCapabilities(res *Response) (Capabilities, error) {
	var body struct {
		Capabilities map[string]any `json:"capabilities"`
	}
	if err := res.DecodeJSON(&body); err != nil {
		return Capabilities{}, err
	}
	if body.Capabilities == nil {
		return Capabilities{}, fmt.Errorf("%s has no capabilities object", res.what())
	}
	caps := Capabilities{All: body.Capabilities}
	if rv, ok := body.Capabilities["m.room_versions"].(map[string]any); ok {
		caps.RoomVersions.Default, _ = rv["default"].(string)
		caps.RoomVersions.Available = map[string]string{}
		avail, _ := rv["available"].(map[string]any)
		for v, s := range avail {
			caps.RoomVersions.Available[v], _ = s.(string)
		}
	}
	return caps, nil
}

// MustCapabilities returns the parsed capabilities; it fails the spec unless
// the server answers 200 with a capabilities object.
func (c *Client) MustCapabilities(ctx context.Context) Capabilities {
	ginkgo.GinkgoHelper()
	what := c.who() + " fetching capabilities"
	res, err := c.Capabilities(ctx)
	if !c.must(what, res, err, http.StatusOK, "capabilities") {
		return Capabilities{}
	}
	caps, err := ParseCapabilities(res)
	c.mustSucceed(what, err)
	return caps
}

// Whoami is the answer to GET /account/whoami.
type Whoami struct {
	UserID   string `json:"user_id"`
	DeviceID string `json:"device_id"`
	IsGuest  bool   `json:"is_guest"`
}

// Whoami asks whom the access token belongs to (GET /account/whoami).
func (c *Client) Whoami(ctx context.Context) (*Response, error) {
	res, err := c.Do(ctx, http.MethodGet, ClientPath("account", "whoami"))
	if err != nil {
		return nil, fmt.Errorf("asking whom the token of %s belongs to: %w", c.who(), err)
	}
	return res, nil
}

// MustWhoami returns the token's owner; it fails the spec unless the server
// answers 200 with a user_id.
func (c *Client) MustWhoami(ctx context.Context) Whoami {
	ginkgo.GinkgoHelper()
	var w Whoami
	res, err := c.Whoami(ctx)
	c.mustDecode("asking whom the token of "+c.who()+" belongs to", res, err, &w, "user_id")
	return w
}

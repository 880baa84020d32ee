package csapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/onsi/ginkgo/v2"
)

// SharedSecretMAC computes the mac field of Synapse's shared-secret
// registration: hex HMAC-SHA1 keyed with secret over nonce, user, password
// and "admin" or "notadmin", separated by NUL bytes.
func SharedSecretMAC(secret, nonce, user, password string, admin bool) string {
	role := "notadmin"
	if admin {
		role = "admin"
	}
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(strings.Join([]string{nonce, user, password, role}, "\x00")))
	return hex.EncodeToString(mac.Sum(nil))
}

var sharedSecretPath = Path("_synapse", "admin", "v1", "register")

// RegisterShared registers localpart through the admin shared-secret API
// (GET a nonce from /_synapse/admin/v1/register, then POST the signed
// request). If the nonce request is not answered 200, its response is
// returned instead of the registration's.
func (c *Client) RegisterShared(ctx context.Context, secret, localpart, password string, admin bool) (*Response, error) {
	nonceRes, err := c.Do(ctx, http.MethodGet, sharedSecretPath, WithoutAuth())
	if err != nil {
		return nil, fmt.Errorf("registering %q with the shared secret: getting a nonce: %w", localpart, err)
	}
	if nonceRes.StatusCode != http.StatusOK {
		return nonceRes, nil
	}
	nonce := nonceRes.GetString("nonce")
	if nonce == "" {
		return nonceRes, fmt.Errorf("registering %q with the shared secret: the nonce answer has no nonce: %s", localpart, nonceRes)
	}
	body := map[string]any{
		"nonce":    nonce,
		"username": localpart,
		"password": password,
		"admin":    admin,
		"mac":      SharedSecretMAC(secret, nonce, localpart, password, admin),
	}
	res, err := c.Do(ctx, http.MethodPost, sharedSecretPath, JSONBody(body), WithoutAuth())
	if err != nil {
		return nil, fmt.Errorf("registering %q with the shared secret: %w", localpart, err)
	}
	return res, nil
}

// MustRegisterShared registers localpart with the shared secret and returns
// a client acting as the new user; it fails the spec unless that works.
func (c *Client) MustRegisterShared(ctx context.Context, secret, localpart, password string, admin bool) *Client {
	ginkgo.GinkgoHelper()
	res, err := c.RegisterShared(ctx, secret, localpart, password, admin)
	if !c.must(fmt.Sprintf("registering %q with the shared secret", localpart), res, err, http.StatusOK, "user_id", "access_token") {
		return nil
	}
	return c.WithSession(sessionOf(res))
}

// Register registers localpart with password through open registration
// (POST /register). If the server asks for user-interactive auth and offers
// a flow of m.login.dummy alone, the request is repeated with that stage
// completed; otherwise the server's answer is returned as is.
func (c *Client) Register(ctx context.Context, localpart, password string) (*Response, error) {
	path := ClientPath("register")
	body := map[string]any{"username": localpart, "password": password}
	res, err := c.Do(ctx, http.MethodPost, path, JSONBody(body), WithoutAuth())
	if err != nil {
		return nil, fmt.Errorf("registering %q: %w", localpart, err)
	}
	session, ok := dummyStage(res)
	if !ok {
		return res, nil
	}
	auth := map[string]any{"type": "m.login.dummy"}
	if session != "" {
		auth["session"] = session
	}
	body["auth"] = auth
	res, err = c.Do(ctx, http.MethodPost, path, JSONBody(body), WithoutAuth())
	if err != nil {
		return nil, fmt.Errorf("registering %q (completing m.login.dummy): %w", localpart, err)
	}
	return res, nil
}

// dummyStage reports whether res is a user-interactive auth challenge that
// a lone m.login.dummy stage satisfies, and returns its session.
func dummyStage(res *Response) (session string, ok bool) {
	if res.StatusCode != http.StatusUnauthorized {
		return "", false
	}
	var uia struct {
		Session string `json:"session"`
		Flows   []struct {
			Stages []string `json:"stages"`
		} `json:"flows"`
	}
	if res.DecodeJSON(&uia) != nil {
		return "", false
	}
	for _, f := range uia.Flows {
		if len(f.Stages) == 1 && f.Stages[0] == "m.login.dummy" {
			return uia.Session, true
		}
	}
	return "", false
}

// MustRegister registers localpart through open registration and returns a
// client acting as the new user; it fails the spec unless that works.
func (c *Client) MustRegister(ctx context.Context, localpart, password string) *Client {
	ginkgo.GinkgoHelper()
	res, err := c.Register(ctx, localpart, password)
	return c.mustSession(fmt.Sprintf("registering %q", localpart), res, err)
}

// NewUser registers localpart with the admin shared secret, or through open
// registration if the server has no shared-secret API, and returns a client
// acting as the new user. It is for harness code; specs use the MustX forms.
func (c *Client) NewUser(ctx context.Context, secret, localpart, password string) (*Client, error) {
	res, err := c.RegisterShared(ctx, secret, localpart, password, false)
	if err != nil {
		return nil, err
	}
	if res.Request.Method == http.MethodGet {
		// No shared-secret API (or not enabled): try open registration.
		shared := res
		res, err = c.Register(ctx, localpart, password)
		if err != nil {
			return nil, err
		}
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("registering %q: shared-secret API unavailable (%s) and open registration failed: %s", localpart, shared, res)
		}
	}
	if res.StatusCode != http.StatusOK || res.GetString("access_token") == "" {
		return nil, fmt.Errorf("registering %q: %s", localpart, res)
	}
	return c.WithSession(sessionOf(res)), nil
}

// Login logs in as user (a localpart or a full user ID) with password
// (m.login.password with an m.id.user identifier).
func (c *Client) Login(ctx context.Context, user, password string) (*Response, error) {
	body := map[string]any{
		"type":       "m.login.password",
		"identifier": map[string]any{"type": "m.id.user", "user": user},
		"password":   password,
	}
	res, err := c.Do(ctx, http.MethodPost, ClientPath("login"), JSONBody(body), WithoutAuth())
	if err != nil {
		return nil, fmt.Errorf("logging in as %q: %w", user, err)
	}
	return res, nil
}

// MustLogin logs in and returns a client acting as the user on the new
// device; it fails the spec unless that works.
func (c *Client) MustLogin(ctx context.Context, user, password string) *Client {
	ginkgo.GinkgoHelper()
	res, err := c.Login(ctx, user, password)
	return c.mustSession(fmt.Sprintf("logging in as %q", user), res, err)
}

// mustSession returns a client acting as the user a register or login
// answer names; it fails the spec unless the server answered 200 with a
// user_id and an access_token.
func (c *Client) mustSession(what string, res *Response, err error) *Client {
	ginkgo.GinkgoHelper()
	if !c.must(what, res, err, http.StatusOK, "user_id", "access_token") {
		return nil
	}
	return c.WithSession(sessionOf(res))
}

// sessionOf reads user_id, access_token and device_id from a register or
// login answer.
func sessionOf(res *Response) Session {
	return Session{
		UserID:      res.GetString("user_id"),
		AccessToken: res.GetString("access_token"),
		DeviceID:    res.GetString("device_id"),
	}
}

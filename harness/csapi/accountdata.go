package csapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/onsi/ginkgo/v2"
)

// SetAccountData stores content as the user's global account data of the
// given type (PUT /user/{userId}/account_data/{type}). content is encoded
// as JSON, or sent as is if it is a []byte or json.RawMessage.
func (c *Client) SetAccountData(ctx context.Context, eventType string, content any) (*Response, error) {
	return c.request(ctx, "setting account data "+eventType, http.MethodPut, ClientPath("user", c.UserID, "account_data", eventType), JSONBody(content))
}

// MustSetAccountData stores account data; it fails the spec unless the
// server answers 200.
func (c *Client) MustSetAccountData(ctx context.Context, eventType string, content any) {
	ginkgo.GinkgoHelper()
	res, err := c.SetAccountData(ctx, eventType, content)
	c.must(fmt.Sprintf("%s setting account data %s", c.who(), eventType), res, err, http.StatusOK)
}

// AccountData fetches the user's global account data of the given type
// (GET /user/{userId}/account_data/{type}).
func (c *Client) AccountData(ctx context.Context, eventType string) (*Response, error) {
	return c.request(ctx, "fetching account data "+eventType, http.MethodGet, ClientPath("user", c.UserID, "account_data", eventType))
}

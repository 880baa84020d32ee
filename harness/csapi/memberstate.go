package csapi

import (
	"context"
	"net/http"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
)

// MustMembership returns userID's membership of roomID as c reads it from
// the room state (GET /rooms/{roomId}/state/m.room.member/{userId}): ""
// when the room has no member event for userID (404). It fails the spec
// when the request gets no answer or an answer other than 200 or 404.
func (c *Client) MustMembership(ctx context.Context, roomID, userID string) string {
	ginkgo.GinkgoHelper()
	expect := gomega.Expect
	if c.g != nil {
		expect = c.g.Expect
	}
	res, err := c.StateEvent(ctx, roomID, "m.room.member", userID)
	if !expect(err).NotTo(gomega.HaveOccurred()) {
		return ""
	}
	if res.StatusCode == http.StatusNotFound {
		return ""
	}
	if !expect(res.StatusCode).To(gomega.Equal(http.StatusOK), "%s reading the member event of %s in %s:\n%s", c.UserID, userID, roomID, res.Dump()) {
		return ""
	}
	s, _ := res.Get("membership").(string)
	return s
}

package csapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2"
)

// State fetches every current state event of roomID (GET /rooms/{roomId}/state).
func (c *Client) State(ctx context.Context, roomID string) (*Response, error) {
	return c.request(ctx, "fetching the state of "+roomID, http.MethodGet, ClientPath("rooms", roomID, "state"))
}

// MustState returns the room's current state events; it fails the spec
// unless the server answers 200 with an array.
func (c *Client) MustState(ctx context.Context, roomID string) []Event {
	ginkgo.GinkgoHelper()
	res, err := c.State(ctx, roomID)
	var raws []json.RawMessage
	if !c.mustDecode(fmt.Sprintf("%s fetching the state of %s", c.who(), roomID), res, err, &raws) {
		return nil
	}
	return eventsOf(raws)
}

// StateEvent fetches one state event's content
// (GET /rooms/{roomId}/state/{eventType}/{stateKey}).
func (c *Client) StateEvent(ctx context.Context, roomID, eventType, stateKey string) (*Response, error) {
	return c.request(ctx, fmt.Sprintf("fetching %s/%q in %s", eventType, stateKey, roomID), http.MethodGet, ClientPath("rooms", roomID, "state", eventType, stateKey))
}

// MustStateEvent returns one state event's content; it fails the spec unless
// the server answers 200 with a JSON object.
func (c *Client) MustStateEvent(ctx context.Context, roomID, eventType, stateKey string) map[string]any {
	ginkgo.GinkgoHelper()
	what := fmt.Sprintf("%s fetching %s/%q in %s", c.who(), eventType, stateKey, roomID)
	res, err := c.StateEvent(ctx, roomID, eventType, stateKey)
	if !c.must(what, res, err, http.StatusOK) {
		return nil
	}
	content, err := res.JSON()
	if !c.mustSucceed(what, err) {
		return nil
	}
	return content
}

// SendState sets a state event (PUT /rooms/{roomId}/state/{eventType}/{stateKey}).
// content is encoded as JSON, or sent as is if it is a []byte or json.RawMessage.
func (c *Client) SendState(ctx context.Context, roomID, eventType, stateKey string, content any) (*Response, error) {
	return c.request(ctx, fmt.Sprintf("sending %s/%q in %s", eventType, stateKey, roomID), http.MethodPut, ClientPath("rooms", roomID, "state", eventType, stateKey), JSONBody(content))
}

// MustSendState sets a state event and returns its ID; it fails the spec
// unless the server answers 200 with an event_id.
func (c *Client) MustSendState(ctx context.Context, roomID, eventType, stateKey string, content any) string {
	ginkgo.GinkgoHelper()
	res, err := c.SendState(ctx, roomID, eventType, stateKey, content)
	return c.mustString(fmt.Sprintf("%s sending %s/%q in %s", c.who(), eventType, stateKey, roomID), res, err, "event_id")
}

var txnCounter atomic.Uint64

// newTxnID returns a transaction ID unique within this process and unlikely
// to repeat across runs against the same server.
func newTxnID() string {
	return "herald-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatUint(txnCounter.Add(1), 10)
}

// SendEvent sends a message event with a fresh transaction ID
// (PUT /rooms/{roomId}/send/{eventType}/{txnId}).
func (c *Client) SendEvent(ctx context.Context, roomID, eventType string, content any) (*Response, error) {
	return c.request(ctx, fmt.Sprintf("sending a %s event in %s", eventType, roomID), http.MethodPut, ClientPath("rooms", roomID, "send", eventType, newTxnID()), JSONBody(content))
}

// MustSendEvent sends a message event and returns its ID; it fails the spec
// unless the server answers 200 with an event_id.
func (c *Client) MustSendEvent(ctx context.Context, roomID, eventType string, content any) string {
	ginkgo.GinkgoHelper()
	res, err := c.SendEvent(ctx, roomID, eventType, content)
	return c.mustString(fmt.Sprintf("%s sending a %s event in %s", c.who(), eventType, roomID), res, err, "event_id")
}

// Members fetches the room's m.room.member events (GET /rooms/{roomId}/members).
func (c *Client) Members(ctx context.Context, roomID string) (*Response, error) {
	return c.request(ctx, "fetching the members of "+roomID, http.MethodGet, ClientPath("rooms", roomID, "members"))
}

// MustMembers returns the room's m.room.member events; it fails the spec
// unless the server answers 200 with a chunk.
func (c *Client) MustMembers(ctx context.Context, roomID string) []Event {
	ginkgo.GinkgoHelper()
	res, err := c.Members(ctx, roomID)
	var body struct {
		Chunk []json.RawMessage `json:"chunk"`
	}
	if !c.mustDecode(fmt.Sprintf("%s fetching the members of %s", c.who(), roomID), res, err, &body, "chunk") {
		return nil
	}
	return eventsOf(body.Chunk)
}

// JoinedRooms lists the rooms the user has joined (GET /joined_rooms).
func (c *Client) JoinedRooms(ctx context.Context) (*Response, error) {
	return c.request(ctx, "listing joined rooms", http.MethodGet, ClientPath("joined_rooms"))
}

// MustJoinedRooms returns the IDs of the rooms the user has joined; it fails
// the spec unless the server answers 200 with joined_rooms.
func (c *Client) MustJoinedRooms(ctx context.Context) []string {
	ginkgo.GinkgoHelper()
	res, err := c.JoinedRooms(ctx)
	var body struct {
		JoinedRooms []string `json:"joined_rooms"`
	}
	if !c.mustDecode(c.who()+" listing joined rooms", res, err, &body, "joined_rooms") {
		return nil
	}
	return body.JoinedRooms
}

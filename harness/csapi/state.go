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
	res, err := c.Do(ctx, http.MethodGet, ClientPath("rooms", roomID, "state"))
	if err != nil {
		return nil, fmt.Errorf("%s fetching the state of %s: %w", c.who(), roomID, err)
	}
	return res, nil
}

// MustState returns the room's current state events; it fails the spec
// unless the server answers 200 with an array.
func (c *Client) MustState(ctx context.Context, roomID string) []Event {
	ginkgo.GinkgoHelper()
	what := fmt.Sprintf("%s fetching the state of %s", c.who(), roomID)
	res, err := c.State(ctx, roomID)
	if !c.must(what, res, err, http.StatusOK) {
		return nil
	}
	var raws []json.RawMessage
	if !c.mustSucceed(what, res.DecodeJSON(&raws)) {
		return nil
	}
	return eventsOf(raws)
}

// StateEvent fetches one state event's content
// (GET /rooms/{roomId}/state/{eventType}/{stateKey}).
func (c *Client) StateEvent(ctx context.Context, roomID, eventType, stateKey string) (*Response, error) {
	res, err := c.Do(ctx, http.MethodGet, ClientPath("rooms", roomID, "state", eventType, stateKey))
	if err != nil {
		return nil, fmt.Errorf("%s fetching %s/%q in %s: %w", c.who(), eventType, stateKey, roomID, err)
	}
	return res, nil
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
	res, err := c.Do(ctx, http.MethodPut, ClientPath("rooms", roomID, "state", eventType, stateKey), JSONBody(content))
	if err != nil {
		return nil, fmt.Errorf("%s sending %s/%q in %s: %w", c.who(), eventType, stateKey, roomID, err)
	}
	return res, nil
}

// MustSendState sets a state event and returns its ID; it fails the spec
// unless the server answers 200 with an event_id.
func (c *Client) MustSendState(ctx context.Context, roomID, eventType, stateKey string, content any) string {
	ginkgo.GinkgoHelper()
	res, err := c.SendState(ctx, roomID, eventType, stateKey, content)
	if !c.must(fmt.Sprintf("%s sending %s/%q in %s", c.who(), eventType, stateKey, roomID), res, err, http.StatusOK, "event_id") {
		return ""
	}
	return res.GetString("event_id")
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
	res, err := c.Do(ctx, http.MethodPut, ClientPath("rooms", roomID, "send", eventType, newTxnID()), JSONBody(content))
	if err != nil {
		return nil, fmt.Errorf("%s sending a %s event in %s: %w", c.who(), eventType, roomID, err)
	}
	return res, nil
}

// MustSendEvent sends a message event and returns its ID; it fails the spec
// unless the server answers 200 with an event_id.
func (c *Client) MustSendEvent(ctx context.Context, roomID, eventType string, content any) string {
	ginkgo.GinkgoHelper()
	res, err := c.SendEvent(ctx, roomID, eventType, content)
	if !c.must(fmt.Sprintf("%s sending a %s event in %s", c.who(), eventType, roomID), res, err, http.StatusOK, "event_id") {
		return ""
	}
	return res.GetString("event_id")
}

// Members fetches the room's m.room.member events (GET /rooms/{roomId}/members).
func (c *Client) Members(ctx context.Context, roomID string) (*Response, error) {
	res, err := c.Do(ctx, http.MethodGet, ClientPath("rooms", roomID, "members"))
	if err != nil {
		return nil, fmt.Errorf("%s fetching the members of %s: %w", c.who(), roomID, err)
	}
	return res, nil
}

// MustMembers returns the room's m.room.member events; it fails the spec
// unless the server answers 200 with a chunk.
func (c *Client) MustMembers(ctx context.Context, roomID string) []Event {
	ginkgo.GinkgoHelper()
	what := fmt.Sprintf("%s fetching the members of %s", c.who(), roomID)
	res, err := c.Members(ctx, roomID)
	if !c.must(what, res, err, http.StatusOK, "chunk") {
		return nil
	}
	var body struct {
		Chunk []json.RawMessage `json:"chunk"`
	}
	if !c.mustSucceed(what, res.DecodeJSON(&body)) {
		return nil
	}
	return eventsOf(body.Chunk)
}

// JoinedRooms lists the rooms the user has joined (GET /joined_rooms).
func (c *Client) JoinedRooms(ctx context.Context) (*Response, error) {
	res, err := c.Do(ctx, http.MethodGet, ClientPath("joined_rooms"))
	if err != nil {
		return nil, fmt.Errorf("%s listing joined rooms: %w", c.who(), err)
	}
	return res, nil
}

// MustJoinedRooms returns the IDs of the rooms the user has joined; it fails
// the spec unless the server answers 200 with joined_rooms.
func (c *Client) MustJoinedRooms(ctx context.Context) []string {
	ginkgo.GinkgoHelper()
	what := c.who() + " listing joined rooms"
	res, err := c.JoinedRooms(ctx)
	if !c.must(what, res, err, http.StatusOK, "joined_rooms") {
		return nil
	}
	var body struct {
		JoinedRooms []string `json:"joined_rooms"`
	}
	if !c.mustSucceed(what, res.DecodeJSON(&body)) {
		return nil
	}
	return body.JoinedRooms
}

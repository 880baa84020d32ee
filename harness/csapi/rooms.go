package csapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/onsi/ginkgo/v2"
)

// Presets for CreateRoom's Preset option.
const (
	PresetPrivateChat        = "private_chat"
	PresetPublicChat         = "public_chat"
	PresetTrustedPrivateChat = "trusted_private_chat"
)

// RoomOption sets a field of a /createRoom request.
type RoomOption func(body map[string]any)

// RoomVersion asks for a room of version v ("1" … "12", or an unstable one).
func RoomVersion(v string) RoomOption { return CreateRoomField("room_version", v) }

// Preset sets the preset (see the Preset constants).
func Preset(p string) RoomOption { return CreateRoomField("preset", p) }

// Name sets the room name.
func Name(name string) RoomOption { return CreateRoomField("name", name) }

// Topic sets the room topic.
func Topic(topic string) RoomOption { return CreateRoomField("topic", topic) }

// RoomAliasName asks for the alias #localpart:server.
func RoomAliasName(localpart string) RoomOption { return CreateRoomField("room_alias_name", localpart) }

// Visibility sets the directory visibility, "public" or "private".
func Visibility(v string) RoomOption { return CreateRoomField("visibility", v) }

// IsDirect marks the room as a direct chat.
func IsDirect() RoomOption { return CreateRoomField("is_direct", true) }

// Invite adds users to invite when the room is created.
func Invite(userIDs ...string) RoomOption {
	return func(body map[string]any) {
		list, _ := body["invite"].([]string)
		body["invite"] = append(list, userIDs...)
	}
}

// InitialState adds a state event to create with the room.
func InitialState(eventType, stateKey string, content any) RoomOption {
	return func(body map[string]any) {
		list, _ := body["initial_state"].([]any)
		body["initial_state"] = append(list, map[string]any{
			"type": eventType, "state_key": stateKey, "content": content,
		})
	}
}

// CreationContent adds keys to the m.room.create event's content.
func CreationContent(content map[string]any) RoomOption {
	return mergeField("creation_content", content)
}

// PowerLevelOverride adds keys to the m.room.power_levels content the server
// would otherwise use.
func PowerLevelOverride(content map[string]any) RoomOption {
	return mergeField("power_level_content_override", content)
}

// CreateRoomField sets any top-level field of the request, valid or not.
func CreateRoomField(key string, value any) RoomOption {
	return func(body map[string]any) { body[key] = value }
}

func mergeField(key string, content map[string]any) RoomOption {
	return func(body map[string]any) {
		m, _ := body[key].(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		for k, v := range content {
			m[k] = v
		}
		body[key] = m
	}
}

// CreateRoom sends POST /createRoom with a body built from opts ({} if none).
func (c *Client) CreateRoom(ctx context.Context, opts ...RoomOption) (*Response, error) {
	body := map[string]any{}
	for _, o := range opts {
		o(body)
	}
	res, err := c.Do(ctx, http.MethodPost, ClientPath("createRoom"), JSONBody(body))
	if err != nil {
		return nil, fmt.Errorf("creating a room as %s: %w", c.who(), err)
	}
	return res, nil
}

// MustCreateRoom creates a room and returns its ID; it fails the spec unless
// the server answers 200 with a room_id.
func (c *Client) MustCreateRoom(ctx context.Context, opts ...RoomOption) string {
	ginkgo.GinkgoHelper()
	res, err := c.CreateRoom(ctx, opts...)
	return c.mustString(c.who()+" creating a room", res, err, "room_id")
}

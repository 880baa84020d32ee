package matrix

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// hashIDLength is the length of 32 bytes in unpadded Base64.
const hashIDLength = 43

// maxIDLength is the byte limit on event and room IDs (appendices.md
// "Event IDs", "Room IDs").
const maxIDLength = 255

// EventID returns the event ID of event. For room versions with opaque
// IDs (v1, v2) it is the event's own event_id field; otherwise it is "$"
// plus the reference hash in the version's Base64 alphabet (rooms/v3.md,
// rooms/fragments/v4-event-ids.md). Any event_id field is ignored then.
func (rv RoomVersion) EventID(event Object) (string, error) {
	switch rv.EventIDFormat {
	case EventIDOpaque:
		id, ok := event.GetString("event_id")
		if !ok {
			return "", fmt.Errorf("matrix: event ID (room v%s): event has no string event_id", rv.ID)
		}
		return id, nil
	case EventIDBase64, EventIDURLSafeBase64:
		sum, err := rv.ReferenceHash(event)
		if err != nil {
			return "", fmt.Errorf("matrix: event ID: %w", err)
		}
		return "$" + rv.encodeHashID(sum), nil
	}
	return "", fmt.Errorf("matrix: event ID: room version %q has no event ID format", rv.ID)
}

func (rv RoomVersion) encodeHashID(sum []byte) string {
	if rv.EventIDFormat == EventIDBase64 {
		return EncodeBase64(sum)
	}
	return EncodeBase64URL(sum)
}

// CreateEventRoomID returns the room ID that a room version 12 (or
// later) m.room.create event defines: its event ID with the sigil "!"
// instead of "$" (rooms/v12.md, appendices.md "Room IDs").
func (rv RoomVersion) CreateEventRoomID(create Object) (string, error) {
	if !rv.RoomIDFromCreateEvent {
		return "", fmt.Errorf("matrix: room ID from create event: room version %q does not derive room IDs from the create event", rv.ID)
	}
	if t, _ := create.GetString("type"); t != "m.room.create" {
		return "", fmt.Errorf("matrix: room ID from create event: event type is %q, not m.room.create", t)
	}
	id, err := rv.EventID(create)
	if err != nil {
		return "", fmt.Errorf("matrix: room ID from create event: %w", err)
	}
	return "!" + id[1:], nil
}

// CheckEventIDFormat reports whether id has the form of an event ID in
// this room version: "$opaque:domain" (v1, v2), or "$" and 43 characters
// of the version's Base64 alphabet.
func (rv RoomVersion) CheckEventIDFormat(id string) error {
	if err := rv.checkID(id, '$', rv.EventIDFormat); err != nil {
		return fmt.Errorf("matrix: event ID %q (room v%s): %w", id, rv.ID, err)
	}
	return nil
}

// CheckRoomIDFormat reports whether id has the form of a room ID in this
// room version: "!opaque:domain" before v12, "!" and 43 URL-safe Base64
// characters from v12.
func (rv RoomVersion) CheckRoomIDFormat(id string) error {
	f := EventIDOpaque
	if rv.RoomIDFromCreateEvent {
		f = EventIDURLSafeBase64
	}
	if err := rv.checkID(id, '!', f); err != nil {
		return fmt.Errorf("matrix: room ID %q (room v%s): %w", id, rv.ID, err)
	}
	return nil
}

func (rv RoomVersion) checkID(id string, sigil byte, f EventIDFormat) error {
	if len(id) == 0 || id[0] != sigil {
		return fmt.Errorf("does not start with %q", sigil)
	}
	if len(id) > maxIDLength {
		return fmt.Errorf("longer than %d bytes", maxIDLength)
	}
	body := id[1:]
	switch f {
	case EventIDOpaque:
		local, domain, ok := strings.Cut(body, ":")
		if !ok || local == "" || domain == "" {
			return fmt.Errorf("not of the form %copaque:domain", sigil)
		}
		return nil
	case EventIDBase64, EventIDURLSafeBase64:
		if len(body) != hashIDLength {
			return fmt.Errorf("has %d characters after the sigil, want %d", len(body), hashIDLength)
		}
		for i := 0; i < len(body); i++ {
			c := body[i]
			switch {
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			case (c == '+' || c == '/') && f == EventIDBase64:
			case (c == '-' || c == '_') && f == EventIDURLSafeBase64:
			default:
				return fmt.Errorf("character %q is not in the %s alphabet", c, f)
			}
		}
		return nil
	}
	return fmt.Errorf("room version %q has no ID format", rv.ID)
}

// EventRefs returns the event IDs listed in event[field] (prev_events or
// auth_events): [id, {"sha256": …}] pairs in v1/v2, plain IDs later.
func (rv RoomVersion) EventRefs(event Object, field string) ([]string, error) {
	v, ok := event[field]
	if !ok {
		return nil, fmt.Errorf("matrix: event references: no %s", field)
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("matrix: event references: %s is %s, not an array", field, JSONKind(v))
	}
	ids := make([]string, 0, len(list))
	for i, item := range list {
		if rv.EventRefPairs {
			pair, ok := item.([]any)
			if !ok || len(pair) != 2 {
				return nil, fmt.Errorf("matrix: event references: %s[%d] is not an [event_id, hashes] pair (room v%s)", field, i, rv.ID)
			}
			item = pair[0]
		}
		id, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("matrix: event references: %s[%d] has no string event ID (room v%s)", field, i, rv.ID)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// EventRef returns the value to list in prev_events or auth_events for
// the event with the given ID and reference hash: the pair [id,
// {"sha256": hash}] in v1/v2, the plain ID otherwise (referenceHash is
// then unused and may be nil).
func (rv RoomVersion) EventRef(id string, referenceHash []byte) any {
	if rv.EventRefPairs {
		return []any{id, map[string]any{"sha256": EncodeBase64(referenceHash)}}
	}
	return id
}

// NewOpaqueID returns a random ID "<sigil><18 alphanumerics>:<domain>",
// for event IDs in room versions 1 and 2 (sigil '$') and room IDs before
// version 12 (sigil '!').
func NewOpaqueID(sigil byte, domain string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(sigil) + string(b) + ":" + domain
}

// ServerNameOf returns the server name of a user ID, room alias, or an
// event or room ID that has a domain: everything after the first ':'
// (appendices.md "Common Identifier Format"). It reports false if there
// is no sigil-prefixed localpart followed by a non-empty domain.
func ServerNameOf(id string) (string, bool) {
	if len(id) < 2 || !strings.ContainsRune("@!$#", rune(id[0])) {
		return "", false
	}
	_, domain, ok := strings.Cut(id[1:], ":")
	return domain, ok && domain != ""
}

// RequiredSigners returns the servers whose signatures an event must
// carry (server-server-api.md "Validating hashes and signatures on
// received events"): the sender's server and, in room versions 1 and 2,
// also the server in the event_id if it differs. The exception for
// third-party invites is left to the caller.
func (rv RoomVersion) RequiredSigners(event Object) ([]string, error) {
	sender, _ := event.GetString("sender")
	server, ok := ServerNameOf(sender)
	if !ok || sender[0] != '@' {
		return nil, fmt.Errorf("matrix: required signers: sender %q is not a user ID", sender)
	}
	servers := []string{server}
	if rv.EventIDFormat == EventIDOpaque {
		id, _ := event.GetString("event_id")
		idServer, ok := ServerNameOf(id)
		if !ok || id[0] != '$' {
			return nil, fmt.Errorf("matrix: required signers: event_id %q has no domain (room v%s)", id, rv.ID)
		}
		if idServer != server {
			servers = append(servers, idServer)
		}
	}
	return servers, nil
}

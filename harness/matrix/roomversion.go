package matrix

import (
	"fmt"
	"slices"
)

// EventIDFormat is how a room version forms event IDs.
type EventIDFormat int

const (
	// EventIDOpaque is "$opaque_id:domain", carried in the event's
	// event_id field (rooms/fragments/v1-event-ids.md; rooms v1, v2).
	EventIDOpaque EventIDFormat = iota + 1
	// EventIDBase64 is "$" + unpadded standard Base64 of the reference
	// hash (rooms/v3.md "Event IDs"; room v3).
	EventIDBase64
	// EventIDURLSafeBase64 is "$" + URL-safe unpadded Base64 of the
	// reference hash (rooms/fragments/v4-event-ids.md; rooms v4 onwards).
	EventIDURLSafeBase64
)

// String names the format.
func (f EventIDFormat) String() string {
	switch f {
	case EventIDOpaque:
		return "opaque"
	case EventIDBase64:
		return "base64"
	case EventIDURLSafeBase64:
		return "url-safe-base64"
	}
	return fmt.Sprintf("EventIDFormat(%d)", int(f))
}

// RedactionRules names one of the redaction algorithms of the spec.
type RedactionRules int

const (
	// RedactionV1 is rooms/fragments/v1-redactions.md (rooms v1–v5).
	RedactionV1 RedactionRules = iota + 1
	// RedactionV6 is rooms/fragments/v6-redactions.md (rooms v6, v7):
	// m.room.aliases content is no longer protected.
	RedactionV6
	// RedactionV8 is rooms/v8.md "Redactions": m.room.join_rules keeps
	// allow.
	RedactionV8
	// RedactionV9 is rooms/fragments/v9-redactions.md (rooms v9, v10):
	// m.room.member keeps join_authorised_via_users_server.
	RedactionV9
	// RedactionV11 is rooms/fragments/v11-redactions.md (rooms v11, v12):
	// top-level origin, membership and prev_state are dropped;
	// m.room.create keeps all content; m.room.member keeps
	// third_party_invite.signed; m.room.power_levels keeps invite;
	// m.room.redaction keeps redacts.
	RedactionV11
)

// String names the rules.
func (r RedactionRules) String() string {
	switch r {
	case RedactionV1:
		return "v1"
	case RedactionV6:
		return "v6"
	case RedactionV8:
		return "v8"
	case RedactionV9:
		return "v9"
	case RedactionV11:
		return "v11"
	}
	return fmt.Sprintf("RedactionRules(%d)", int(r))
}

// RoomVersion holds the properties of a room version that the harness
// needs. Obtain one with [LookupRoomVersion] or [MustRoomVersion]; the
// zero value is not a valid room version. Sources are the files under
// content/rooms/ of the spec.
type RoomVersion struct {
	// ID is the room version identifier, "1" … "12".
	ID string
	// EventIDFormat is how event IDs are formed.
	EventIDFormat EventIDFormat
	// Redaction selects the redaction algorithm.
	Redaction RedactionRules
	// StrictCanonicalJSON: events must be strict canonical JSON
	// (rooms/fragments/v6-canonical-json.md; v6 onwards). Earlier
	// versions use rooms/fragments/v1-canonical-json.md.
	StrictCanonicalJSON bool
	// EventRefPairs: prev_events and auth_events are [event_id,
	// {"sha256": hash}] pairs (pdu_v1.yaml; v1, v2); later versions use
	// plain lists of event IDs (rooms/v3.md "Event format").
	EventRefPairs bool
	// OriginProtected: the top-level origin, membership and prev_state
	// keys survive redaction and are therefore covered by signatures
	// (v1–v10). rooms/v11.md: no longer protected from v11. Note that the
	// spec's PDU schemas (pdu_base.yaml) define no top-level origin in any
	// version; events that carry one (such as the appendix test vectors)
	// still hash and sign it.
	OriginProtected bool
	// CreateEventHasRoomID: the m.room.create event carries room_id
	// (v1–v11). rooms/v12.md auth rule 1.2: a v12 create event with a
	// room_id is rejected.
	CreateEventHasRoomID bool
	// RoomIDFromCreateEvent: the room ID is "!" + the create event's
	// event ID without its "$" (rooms/v12.md, appendices.md "Room IDs").
	RoomIDFromCreateEvent bool
	// CreatorInCreateContent: m.room.create content carries creator
	// (v1–v10; removed by rooms/v11.md "Event format").
	CreatorInCreateContent bool
	// RedactsInContent: m.room.redaction carries redacts in content
	// instead of at the top level (rooms/v11.md "Event format").
	RedactsInContent bool
	// EnforceKeyValidity: signing keys must be valid (valid_until_ts) at
	// the event's origin_server_ts (rooms/fragments/v5-signing-requirements.md;
	// v5 onwards).
	EnforceKeyValidity bool
	// Knocking: the knock join rule exists (rooms/_index.md feature
	// matrix; v7 onwards).
	Knocking bool
	// RestrictedJoinRule: the restricted join rule exists (v8 onwards).
	RestrictedJoinRule bool
	// KnockRestrictedJoinRule: the knock_restricted join rule exists (v10
	// onwards).
	KnockRestrictedJoinRule bool
	// IntegerPowerLevels: power levels must be integers, not strings
	// (rooms/v10.md "Deprecated event content schemas"; v10 onwards).
	IntegerPowerLevels bool
	// AdditionalCreators: m.room.create content may list
	// additional_creators, who have infinite power level (rooms/v12.md).
	AdditionalCreators bool
}

// DefaultRoomVersion is the version servers SHOULD use for new rooms
// (rooms/_index.md).
const DefaultRoomVersion = "12"

var roomVersions = func() []RoomVersion {
	var vs []RoomVersion
	for n := 1; n <= 12; n++ {
		rv := RoomVersion{
			ID:                      fmt.Sprint(n),
			StrictCanonicalJSON:     n >= 6,
			EventRefPairs:           n <= 2,
			OriginProtected:         n <= 10,
			CreateEventHasRoomID:    n <= 11,
			RoomIDFromCreateEvent:   n >= 12,
			CreatorInCreateContent:  n <= 10,
			RedactsInContent:        n >= 11,
			EnforceKeyValidity:      n >= 5,
			Knocking:                n >= 7,
			RestrictedJoinRule:      n >= 8,
			KnockRestrictedJoinRule: n >= 10,
			IntegerPowerLevels:      n >= 10,
			AdditionalCreators:      n >= 12,
		}
		switch {
		case n <= 2:
			rv.EventIDFormat = EventIDOpaque
		case n == 3:
			rv.EventIDFormat = EventIDBase64
		default:
			rv.EventIDFormat = EventIDURLSafeBase64
		}
		switch {
		case n <= 5:
			rv.Redaction = RedactionV1
		case n <= 7:
			rv.Redaction = RedactionV6
		case n == 8:
			rv.Redaction = RedactionV8
		case n <= 10:
			rv.Redaction = RedactionV9
		default:
			rv.Redaction = RedactionV11
		}
		vs = append(vs, rv)
	}
	return vs
}()

// KnownVersions returns every room version the spec defines, in order
// "1" … "12". The slice is a fresh copy.
func KnownVersions() []RoomVersion { return slices.Clone(roomVersions) }

// KnownVersionIDs returns the IDs of [KnownVersions].
func KnownVersionIDs() []string {
	ids := make([]string, len(roomVersions))
	for i, rv := range roomVersions {
		ids[i] = rv.ID
	}
	return ids
}

// LookupRoomVersion returns the room version with the given ID.
func LookupRoomVersion(id string) (RoomVersion, bool) {
	for _, rv := range roomVersions {
		if rv.ID == id {
			return rv, true
		}
	}
	return RoomVersion{}, false
}

// MustRoomVersion is LookupRoomVersion for known IDs; it panics on an
// unknown one.
func MustRoomVersion(id string) RoomVersion {
	rv, ok := LookupRoomVersion(id)
	if !ok {
		panic(fmt.Sprintf("matrix: unknown room version %q", id))
	}
	return rv
}

// String returns the version ID.
func (rv RoomVersion) String() string { return rv.ID }

// Canonical encodes v as canonical JSON, strictly if the room version
// requires it.
func (rv RoomVersion) Canonical(v any) ([]byte, error) {
	if rv.StrictCanonicalJSON {
		return CanonicalJSON(v)
	}
	return CanonicalJSONLax(v)
}

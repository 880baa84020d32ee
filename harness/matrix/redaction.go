package matrix

import (
	"fmt"
	"slices"
)

// redactionRuleSet is one column of the redaction tables in
// content/rooms/fragments/*-redactions.md (and rooms/v8.md).
type redactionRuleSet struct {
	topLevel []string
	// content lists the content keys kept per event type.
	content map[string][]string
	// keepAllContent lists event types whose whole content is kept.
	keepAllContent []string
	// thirdPartyInviteSigned keeps content.third_party_invite.signed of
	// m.room.member events (v11).
	thirdPartyInviteSigned bool
}

var (
	topLevelV1 = []string{
		"event_id", "type", "room_id", "sender", "state_key", "content",
		"hashes", "signatures", "depth", "prev_events", "prev_state",
		"auth_events", "origin", "origin_server_ts", "membership",
	}
	// v11 drops origin, membership and prev_state (rooms/v11.md).
	topLevelV11 = []string{
		"event_id", "type", "room_id", "sender", "state_key", "content",
		"hashes", "signatures", "depth", "prev_events", "auth_events",
		"origin_server_ts",
	}
	powerLevelsV1 = []string{
		"ban", "events", "events_default", "kick", "redact",
		"state_default", "users", "users_default",
	}
)

var redactionRuleSets = map[RedactionRules]redactionRuleSet{
	// rooms/fragments/v1-redactions.md
	RedactionV1: {
		topLevel: topLevelV1,
		content: map[string][]string{
			"m.room.member":             {"membership"},
			"m.room.create":             {"creator"},
			"m.room.join_rules":         {"join_rule"},
			"m.room.power_levels":       powerLevelsV1,
			"m.room.aliases":            {"aliases"},
			"m.room.history_visibility": {"history_visibility"},
		},
	},
	// rooms/fragments/v6-redactions.md: m.room.aliases loses its keys.
	RedactionV6: {
		topLevel: topLevelV1,
		content: map[string][]string{
			"m.room.member":             {"membership"},
			"m.room.create":             {"creator"},
			"m.room.join_rules":         {"join_rule"},
			"m.room.power_levels":       powerLevelsV1,
			"m.room.history_visibility": {"history_visibility"},
		},
	},
	// rooms/v8.md "Redactions": m.room.join_rules keeps allow.
	RedactionV8: {
		topLevel: topLevelV1,
		content: map[string][]string{
			"m.room.member":             {"membership"},
			"m.room.create":             {"creator"},
			"m.room.join_rules":         {"join_rule", "allow"},
			"m.room.power_levels":       powerLevelsV1,
			"m.room.history_visibility": {"history_visibility"},
		},
	},
	// rooms/fragments/v9-redactions.md: m.room.member keeps
	// join_authorised_via_users_server.
	RedactionV9: {
		topLevel: topLevelV1,
		content: map[string][]string{
			"m.room.member":             {"membership", "join_authorised_via_users_server"},
			"m.room.create":             {"creator"},
			"m.room.join_rules":         {"join_rule", "allow"},
			"m.room.power_levels":       powerLevelsV1,
			"m.room.history_visibility": {"history_visibility"},
		},
	},
	// rooms/fragments/v11-redactions.md
	RedactionV11: {
		topLevel: topLevelV11,
		content: map[string][]string{
			"m.room.member":             {"membership", "join_authorised_via_users_server"},
			"m.room.join_rules":         {"join_rule", "allow"},
			"m.room.power_levels":       append(slices.Clone(powerLevelsV1), "invite"),
			"m.room.history_visibility": {"history_visibility"},
			"m.room.redaction":          {"redacts"},
		},
		keepAllContent:         []string{"m.room.create"},
		thirdPartyInviteSigned: true,
	},
}

// Redact returns a redacted deep copy of event following the room
// version's redaction algorithm; event is not modified. A content that is
// present but not an object becomes {}; a missing content stays missing.
//
// For m.room.member in v11+, content.third_party_invite is kept as
// {"signed": …} only when it is an object with a signed key; the spec
// does not say what to do otherwise, so it is dropped.
func (rv RoomVersion) Redact(event Object) (Object, error) {
	rules, ok := redactionRuleSets[rv.Redaction]
	if !ok {
		return nil, fmt.Errorf("spec: redact event: room version %q has no redaction rules", rv.ID)
	}
	out := Object{}
	for _, k := range rules.topLevel {
		if v, ok := event[k]; ok {
			out[k] = cloneValue(v)
		}
	}
	if _, ok := event["content"]; !ok {
		return out, nil
	}
	content, _ := asObject(event["content"])
	evType, _ := event["type"].(string)
	newContent := Object{}
	if slices.Contains(rules.keepAllContent, evType) {
		for k, v := range content {
			newContent[k] = cloneValue(v)
		}
	} else {
		for _, k := range rules.content[evType] {
			if v, ok := content[k]; ok {
				newContent[k] = cloneValue(v)
			}
		}
		if rules.thirdPartyInviteSigned && evType == "m.room.member" {
			if tpi, ok := asObject(content["third_party_invite"]); ok {
				if signed, ok := tpi["signed"]; ok {
					newContent["third_party_invite"] = map[string]any{"signed": cloneValue(signed)}
				}
			}
		}
	}
	out["content"] = map[string]any(newContent)
	return out, nil
}

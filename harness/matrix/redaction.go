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

// redactionRuleSets holds each algorithm as the spec states it: v1 in
// full, and every later one as the one before it plus the change its room
// version's "Redactions" section announces. TestRedactionRuleSetsMatchSpec
// compares each with the full lists of the spec.
var redactionRuleSets = func() map[RedactionRules]redactionRuleSet {
	// rooms/fragments/v1-redactions.md
	v1 := redactionRuleSet{
		topLevel: []string{
			"event_id", "type", "room_id", "sender", "state_key", "content",
			"hashes", "signatures", "depth", "prev_events", "prev_state",
			"auth_events", "origin", "origin_server_ts", "membership",
		},
		content: map[string][]string{
			"m.room.member":             {"membership"},
			"m.room.create":             {"creator"},
			"m.room.join_rules":         {"join_rule"},
			"m.room.power_levels":       {"ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"},
			"m.room.aliases":            {"aliases"},
			"m.room.history_visibility": {"history_visibility"},
		},
	}
	// rooms/v6.md "Redactions": all significant meaning for m.room.aliases
	// has been removed.
	v6 := v1.changed(func(s *redactionRuleSet) {
		delete(s.content, "m.room.aliases")
	})
	// rooms/v8.md "Redactions": m.room.join_rules events now keep allow.
	v8 := v6.changed(func(s *redactionRuleSet) {
		s.keep("m.room.join_rules", "allow")
	})
	// rooms/v9.md "Redactions": m.room.member events now keep
	// join_authorised_via_users_server.
	v9 := v8.changed(func(s *redactionRuleSet) {
		s.keep("m.room.member", "join_authorised_via_users_server")
	})
	// rooms/v11.md "Redactions": the top-level origin, membership and
	// prev_state are no longer protected; m.room.create keeps its whole
	// content, m.room.redaction keeps redacts, m.room.power_levels keeps
	// invite. rooms/v11.md "Event format": m.room.member keeps
	// third_party_invite with only its signed key.
	v11 := v9.changed(func(s *redactionRuleSet) {
		s.topLevel = slices.DeleteFunc(s.topLevel, func(k string) bool {
			return k == "origin" || k == "membership" || k == "prev_state"
		})
		delete(s.content, "m.room.create")
		s.keepAllContent = append(s.keepAllContent, "m.room.create")
		s.keep("m.room.redaction", "redacts")
		s.keep("m.room.power_levels", "invite")
		s.thirdPartyInviteSigned = true
	})
	return map[RedactionRules]redactionRuleSet{
		RedactionV1: v1, RedactionV6: v6, RedactionV8: v8, RedactionV9: v9, RedactionV11: v11,
	}
}()

// changed returns a copy of s with change applied; s is left as it is.
func (s redactionRuleSet) changed(change func(*redactionRuleSet)) redactionRuleSet {
	next := redactionRuleSet{
		topLevel:               slices.Clone(s.topLevel),
		content:                make(map[string][]string, len(s.content)),
		keepAllContent:         slices.Clone(s.keepAllContent),
		thirdPartyInviteSigned: s.thirdPartyInviteSigned,
	}
	for evType, keys := range s.content {
		next.content[evType] = slices.Clone(keys)
	}
	change(&next)
	return next
}

// keep adds keys to the content keys kept for evType.
func (s *redactionRuleSet) keep(evType string, keys ...string) {
	s.content[evType] = append(s.content[evType], keys...)
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
		return nil, fmt.Errorf("matrix: redact event: room version %q has no redaction rules", rv.ID)
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

package matrix

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// redactionEvent wraps content in an event carrying every top-level key
// that some redaction algorithm keeps, plus some none keeps.
func redactionEvent(evType, content string) Object {
	return MustParseObject(fmt.Sprintf(`{
		"event_id": "$e:hs", "type": %q, "room_id": "!r:hs", "sender": "@a:hs",
		"state_key": "", "content": %s, "hashes": {"sha256": "h"},
		"signatures": {"hs": {"ed25519:1": "s"}}, "depth": 4,
		"prev_events": ["$p"], "prev_state": [], "auth_events": ["$c"],
		"origin": "hs", "origin_server_ts": 7, "membership": "join",
		"unsigned": {"age": 1}, "redacts": "$x", "age_ts": 5, "custom": {"k": 1}
	}`, evType, content))
}

const (
	topV1  = `"event_id":"$e:hs","type":%q,"room_id":"!r:hs","sender":"@a:hs","state_key":"","hashes":{"sha256":"h"},"signatures":{"hs":{"ed25519:1":"s"}},"depth":4,"prev_events":["$p"],"prev_state":[],"auth_events":["$c"],"origin":"hs","origin_server_ts":7,"membership":"join"`
	topV11 = `"event_id":"$e:hs","type":%q,"room_id":"!r:hs","sender":"@a:hs","state_key":"","hashes":{"sha256":"h"},"signatures":{"hs":{"ed25519:1":"s"}},"depth":4,"prev_events":["$p"],"auth_events":["$c"],"origin_server_ts":7`
)

func TestRedaction(t *testing.T) {
	type want struct{ v1, v6, v8, v9, v11 string } // redacted content per algorithm
	tests := []struct {
		name, evType, content string
		want                  want
	}{
		{"create", "m.room.create",
			`{"creator":"@a:hs","room_version":"9","m.federate":false,"predecessor":{"room_id":"!old:hs","event_id":"$old"}}`,
			want{
				v1: `{"creator":"@a:hs"}`, v6: `{"creator":"@a:hs"}`, v8: `{"creator":"@a:hs"}`, v9: `{"creator":"@a:hs"}`,
				v11: `{"creator":"@a:hs","room_version":"9","m.federate":false,"predecessor":{"room_id":"!old:hs","event_id":"$old"}}`,
			}},
		{"member with third_party_invite and join_authorised_via_users_server", "m.room.member",
			`{"membership":"join","displayname":"A","avatar_url":"mxc://hs/x","reason":"r",
			  "join_authorised_via_users_server":"@b:hs",
			  "third_party_invite":{"display_name":"a...@e.org","signed":{"mxid":"@a:hs","token":"tok","signatures":{"id":{"ed25519:0":"sig"}}}}}`,
			want{
				v1: `{"membership":"join"}`, v6: `{"membership":"join"}`, v8: `{"membership":"join"}`,
				v9:  `{"membership":"join","join_authorised_via_users_server":"@b:hs"}`,
				v11: `{"membership":"join","join_authorised_via_users_server":"@b:hs","third_party_invite":{"signed":{"mxid":"@a:hs","token":"tok","signatures":{"id":{"ed25519:0":"sig"}}}}}`,
			}},
		{"member with third_party_invite without signed", "m.room.member",
			`{"membership":"invite","third_party_invite":{"display_name":"x"}}`,
			want{v1: `{"membership":"invite"}`, v6: `{"membership":"invite"}`, v8: `{"membership":"invite"}`,
				v9: `{"membership":"invite"}`, v11: `{"membership":"invite"}`}},
		{"member with non-object third_party_invite", "m.room.member",
			`{"membership":"invite","third_party_invite":"signed"}`,
			want{v1: `{"membership":"invite"}`, v6: `{"membership":"invite"}`, v8: `{"membership":"invite"}`,
				v9: `{"membership":"invite"}`, v11: `{"membership":"invite"}`}},
		{"power levels", "m.room.power_levels",
			`{"ban":50,"events":{"m.room.name":100},"events_default":0,"invite":0,"kick":50,"redact":50,
			  "state_default":50,"users":{"@a:hs":100},"users_default":0,"notifications":{"room":50}}`,
			want{
				v1:  `{"ban":50,"events":{"m.room.name":100},"events_default":0,"kick":50,"redact":50,"state_default":50,"users":{"@a:hs":100},"users_default":0}`,
				v6:  `{"ban":50,"events":{"m.room.name":100},"events_default":0,"kick":50,"redact":50,"state_default":50,"users":{"@a:hs":100},"users_default":0}`,
				v8:  `{"ban":50,"events":{"m.room.name":100},"events_default":0,"kick":50,"redact":50,"state_default":50,"users":{"@a:hs":100},"users_default":0}`,
				v9:  `{"ban":50,"events":{"m.room.name":100},"events_default":0,"kick":50,"redact":50,"state_default":50,"users":{"@a:hs":100},"users_default":0}`,
				v11: `{"ban":50,"events":{"m.room.name":100},"events_default":0,"invite":0,"kick":50,"redact":50,"state_default":50,"users":{"@a:hs":100},"users_default":0}`,
			}},
		{"join rules with allow", "m.room.join_rules",
			`{"join_rule":"restricted","allow":[{"type":"m.room_membership","room_id":"!s:hs"}],"other":1}`,
			want{
				v1: `{"join_rule":"restricted"}`, v6: `{"join_rule":"restricted"}`,
				v8:  `{"join_rule":"restricted","allow":[{"type":"m.room_membership","room_id":"!s:hs"}]}`,
				v9:  `{"join_rule":"restricted","allow":[{"type":"m.room_membership","room_id":"!s:hs"}]}`,
				v11: `{"join_rule":"restricted","allow":[{"type":"m.room_membership","room_id":"!s:hs"}]}`,
			}},
		{"history visibility", "m.room.history_visibility", `{"history_visibility":"shared","other":1}`,
			want{v1: `{"history_visibility":"shared"}`, v6: `{"history_visibility":"shared"}`, v8: `{"history_visibility":"shared"}`,
				v9: `{"history_visibility":"shared"}`, v11: `{"history_visibility":"shared"}`}},
		{"aliases", "m.room.aliases", `{"aliases":["#a:hs"],"other":1}`,
			want{v1: `{"aliases":["#a:hs"]}`, v6: `{}`, v8: `{}`, v9: `{}`, v11: `{}`}},
		{"redaction", "m.room.redaction", `{"redacts":"$x","reason":"spam"}`,
			want{v1: `{}`, v6: `{}`, v8: `{}`, v9: `{}`, v11: `{"redacts":"$x"}`}},
		{"message", "m.room.message", `{"body":"hi","msgtype":"m.text"}`,
			want{v1: `{}`, v6: `{}`, v8: `{}`, v9: `{}`, v11: `{}`}},
		{"non-object content", "m.room.member", `"join"`,
			want{v1: `{}`, v6: `{}`, v8: `{}`, v9: `{}`, v11: `{}`}},
	}
	for _, tt := range tests {
		for _, rv := range KnownVersions() {
			t.Run(tt.name+"/v"+rv.ID, func(t *testing.T) {
				ev := redactionEvent(tt.evType, tt.content)
				before, _ := CanonicalJSON(ev)
				got, err := rv.Redact(ev)
				if err != nil {
					t.Fatal(err)
				}
				content := map[RedactionRules]string{
					RedactionV1: tt.want.v1, RedactionV6: tt.want.v6, RedactionV8: tt.want.v8,
					RedactionV9: tt.want.v9, RedactionV11: tt.want.v11,
				}[rv.Redaction]
				top := topV1
				if rv.Redaction == RedactionV11 {
					top = topV11
				}
				want, err := CanonicalizeJSON([]byte(fmt.Sprintf("{"+top+`,"content":%s}`, tt.evType, content)), true)
				if err != nil {
					t.Fatal(err)
				}
				gotJSON, err := CanonicalJSON(got)
				if err != nil {
					t.Fatal(err)
				}
				if string(gotJSON) != string(want) {
					t.Errorf("redacted\n got %s\nwant %s", gotJSON, want)
				}
				after, _ := CanonicalJSON(ev)
				if string(before) != string(after) {
					t.Error("Redact modified its input")
				}
				// Redaction is idempotent.
				again, _ := rv.Redact(got)
				againJSON, _ := CanonicalJSON(again)
				if string(againJSON) != string(gotJSON) {
					t.Errorf("redacting twice gives %s", againJSON)
				}
			})
		}
	}
}

func TestRedactionEdgeCases(t *testing.T) {
	rv := MustRoomVersion("10")
	got, err := rv.Redact(MustParseObject(`{"type":"m.room.message","sender":"@a:hs"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["content"]; ok {
		t.Errorf("missing content was added: %v", got)
	}
	got, _ = rv.Redact(MustParseObject(`{"type":7,"content":{"membership":"join"}}`))
	if c, _ := got.GetObject("content"); len(c) != 0 {
		t.Errorf("non-string type kept content %v", c)
	}
	// The copy is deep: changing the result leaves the input alone.
	ev := redactionEvent("m.room.power_levels", `{"users":{"@a:hs":100}}`)
	red, _ := rv.Redact(ev)
	c, _ := red.GetObject("content")
	users, _ := asObject(c["users"])
	users["@a:hs"] = 0
	orig, _ := ev.GetObject("content")
	if u, _ := asObject(orig["users"]); u["@a:hs"] == 0 {
		t.Error("Redact shares nested values with its input")
	}
	if _, err := (RoomVersion{ID: "x"}).Redact(ev); err == nil {
		t.Error("zero redaction rules: want error")
	}
}

// TestRedactionRuleSetsMatchSpec compares each algorithm, derived from the
// one before it, with the full lists the spec gives for it, written out
// here as the spec writes them (key order aside).
func TestRedactionRuleSetsMatchSpec(t *testing.T) {
	const allKeys = "(all keys)"
	type lists struct {
		topLevel string
		content  map[string]string // event type → the content keys it keeps
		// thirdPartyInviteSigned: m.room.member keeps
		// third_party_invite.signed.
		thirdPartyInviteSigned bool
	}
	spec := map[RedactionRules]lists{
		// rooms/fragments/v1-redactions.md
		RedactionV1: {
			topLevel: "event_id type room_id sender state_key content hashes signatures depth prev_events prev_state auth_events origin origin_server_ts membership",
			content: map[string]string{
				"m.room.member":             "membership",
				"m.room.create":             "creator",
				"m.room.join_rules":         "join_rule",
				"m.room.power_levels":       "ban events events_default kick redact state_default users users_default",
				"m.room.aliases":            "aliases",
				"m.room.history_visibility": "history_visibility",
			},
		},
		// rooms/fragments/v6-redactions.md
		RedactionV6: {
			topLevel: "event_id type room_id sender state_key content hashes signatures depth prev_events prev_state auth_events origin origin_server_ts membership",
			content: map[string]string{
				"m.room.member":             "membership",
				"m.room.create":             "creator",
				"m.room.join_rules":         "join_rule",
				"m.room.power_levels":       "ban events events_default kick redact state_default users users_default",
				"m.room.history_visibility": "history_visibility",
			},
		},
		// rooms/v8.md "Redactions", "The full redaction algorithm follows."
		RedactionV8: {
			topLevel: "event_id type room_id sender state_key content hashes signatures depth prev_events prev_state auth_events origin origin_server_ts membership",
			content: map[string]string{
				"m.room.member":             "membership",
				"m.room.create":             "creator",
				"m.room.join_rules":         "join_rule allow",
				"m.room.power_levels":       "ban events events_default kick redact state_default users users_default",
				"m.room.history_visibility": "history_visibility",
			},
		},
		// rooms/fragments/v9-redactions.md
		RedactionV9: {
			topLevel: "event_id type room_id sender state_key content hashes signatures depth prev_events prev_state auth_events origin origin_server_ts membership",
			content: map[string]string{
				"m.room.member":             "membership join_authorised_via_users_server",
				"m.room.create":             "creator",
				"m.room.join_rules":         "join_rule allow",
				"m.room.power_levels":       "ban events events_default kick redact state_default users users_default",
				"m.room.history_visibility": "history_visibility",
			},
		},
		// rooms/fragments/v11-redactions.md
		RedactionV11: {
			topLevel: "event_id type room_id sender state_key content hashes signatures depth prev_events auth_events origin_server_ts",
			content: map[string]string{
				"m.room.member":             "membership join_authorised_via_users_server",
				"m.room.create":             allKeys,
				"m.room.join_rules":         "join_rule allow",
				"m.room.power_levels":       "ban events events_default invite kick redact state_default users users_default",
				"m.room.history_visibility": "history_visibility",
				"m.room.redaction":          "redacts",
			},
			thirdPartyInviteSigned: true,
		},
	}
	sorted := func(keys []string) string { return strings.Join(slices.Sorted(slices.Values(keys)), " ") }
	for _, rules := range []RedactionRules{RedactionV1, RedactionV6, RedactionV8, RedactionV9, RedactionV11} {
		want, got := spec[rules], redactionRuleSets[rules]
		if g, w := sorted(got.topLevel), sorted(strings.Fields(want.topLevel)); g != w {
			t.Errorf("%v top-level keys:\n got %s\nwant %s", rules, g, w)
		}
		gotContent := map[string]string{}
		for evType, keys := range got.content {
			gotContent[evType] = sorted(keys)
		}
		for _, evType := range got.keepAllContent {
			gotContent[evType] = allKeys
		}
		for _, evType := range slices.Sorted(maps.Keys(want.content)) {
			w := want.content[evType]
			if w != allKeys {
				w = sorted(strings.Fields(w))
			}
			if gotContent[evType] != w {
				t.Errorf("%v %s content keys: got %q, want %q", rules, evType, gotContent[evType], w)
			}
			delete(gotContent, evType)
		}
		for evType, keys := range gotContent {
			t.Errorf("%v %s keeps %q; the spec keeps none of its content", rules, evType, keys)
		}
		if got.thirdPartyInviteSigned != want.thirdPartyInviteSigned {
			t.Errorf("%v keeps third_party_invite.signed: got %v, want %v",
				rules, got.thirdPartyInviteSigned, want.thirdPartyInviteSigned)
		}
	}
	if len(redactionRuleSets) != len(spec) {
		t.Errorf("%d redaction algorithms, the spec has %d", len(redactionRuleSets), len(spec))
	}
}

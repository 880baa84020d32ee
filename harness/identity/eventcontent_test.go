package identity

import (
	"testing"

	"herald/harness/matrix"
)

// The content the mock would emit passes, in either base64 alphabet; each
// way a homeserver could get it wrong is a problem.
func TestEventContentProblems(t *testing.T) {
	s := start(t, Env{})
	inv := s.Store("email", "a@example.org", "!r:hs", "@alice:hs")
	good := matrix.Object(inv.EventContent())
	if p := inv.EventContentProblems(good); len(p) != 0 {
		t.Errorf("the identity server's own content has problems: %v", p)
	}
	// The keys in URL-safe base64 are the same keys.
	urlSafe := good.Clone()
	urlSafe["public_key"] = matrix.EncodeBase64URL(s.LongTermKey().PublicKey())
	if p := inv.EventContentProblems(urlSafe); len(p) != 0 {
		t.Errorf("URL-safe public_key: %v", p)
	}
	mutate := func(f func(c matrix.Object)) matrix.Object { c := good.Clone(); f(c); return c }
	for name, c := range map[string]matrix.Object{
		"other display_name": mutate(func(c matrix.Object) { c["display_name"] = "alice@example.org" }),
		"no public_keys":     mutate(func(c matrix.Object) { delete(c, "public_keys") }),
		"one key only":       mutate(func(c matrix.Object) { c["public_keys"] = c["public_keys"].([]any)[:1] }),
		"legacy validity URL": mutate(func(c matrix.Object) {
			c["key_validity_url"] = s.URL("/_matrix/identity/api/v1/pubkey/isvalid")
		}),
		"foreign public_key": mutate(func(c matrix.Object) { c["public_key"] = s.ForgedKey().PublicKeyBase64() }),
		"no public_key":      mutate(func(c matrix.Object) { delete(c, "public_key") }),
		"swapped URLs": mutate(func(c matrix.Object) {
			keys := c["public_keys"].([]any)
			a, b := keys[0].(map[string]any), keys[1].(map[string]any)
			c["public_keys"] = []any{
				map[string]any{"public_key": a["public_key"], "key_validity_url": b["key_validity_url"]},
				map[string]any{"public_key": b["public_key"], "key_validity_url": a["key_validity_url"]},
			}
		}),
	} {
		if p := inv.EventContentProblems(c); len(p) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
}

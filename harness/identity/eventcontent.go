package identity

import (
	"encoding/json"
	"fmt"

	"herald/harness/matrix"
)

// EventContentProblems judges the content of the m.room.third_party_invite
// a homeserver emitted for inv (client-server m.room.third_party_invite,
// v2_store_invite.yaml) against what the mock gave it: the display_name,
// every key of public_keys with its key_validity_url, and public_key (kept
// for older servers) one of those keys with that key's key_validity_url.
// Keys are compared as keys, whichever base64 alphabet carries them. It
// returns what is wrong, one line each; nothing means all is well.
func (inv *Invite) EventContentProblems(content matrix.Object) []string {
	var out []string
	if got, _ := content.GetString("display_name"); got != inv.DisplayName {
		out = append(out, fmt.Sprintf("display_name is %q, the identity server's is %q", got, inv.DisplayName))
	}
	given := map[string]string{} // raw key → key_validity_url, from the identity server
	for _, k := range inv.PublicKeys() {
		m := k.(map[string]any)
		raw, _ := matrix.DecodeBase64(m["public_key"].(string))
		given[string(raw)] = m["key_validity_url"].(string)
	}
	listed := map[string]string{}
	list, ok := content.GetArray("public_keys")
	if !ok {
		out = append(out, "public_keys is missing or not an array")
	}
	for _, item := range list {
		m, _ := item.(map[string]any)
		pk, _ := m["public_key"].(string)
		raw, err := matrix.DecodeBase64(pk)
		if err != nil {
			out = append(out, fmt.Sprintf("public_keys has %v, whose public_key is not unpadded base64", oneLine(item)))
			continue
		}
		u, _ := m["key_validity_url"].(string)
		listed[string(raw)] = u
	}
	for raw, u := range given {
		got, ok := listed[raw]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("public_keys lacks the identity server's key %s", matrix.EncodeBase64([]byte(raw))))
		case got != u:
			out = append(out, fmt.Sprintf("public_keys gives key %s the key_validity_url %q, the identity server gave %q", matrix.EncodeBase64([]byte(raw)), got, u))
		}
	}
	pk, _ := content.GetString("public_key")
	raw, err := matrix.DecodeBase64(pk)
	u, _ := content.GetString("key_validity_url")
	switch want, ok := given[string(raw)]; {
	case err != nil || pk == "":
		out = append(out, fmt.Sprintf("public_key %q is not an unpadded base64 key", pk))
	case !ok:
		out = append(out, fmt.Sprintf("public_key %s is not a key the identity server gave", pk))
	case u != want:
		out = append(out, fmt.Sprintf("key_validity_url is %q, the identity server gave %q for public_key %s", u, want, pk))
	}
	return out
}

// oneLine renders v as one line of JSON.
func oneLine(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

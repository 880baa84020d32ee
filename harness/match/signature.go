package match

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// BeSignedBy matches an event of room version rv that carries server's
// signature under a key server publishes in keys (its
// /_matrix/key/v2/server document, e.g. from the mock's FetchKeys): at
// least one ed25519 signature by server, every one of them by a published
// key, each verifying over the redacted event (server-server-api.md
// "Validating hashes and signatures on received events"), and, where the
// room version enforces key validity (v5+), the key valid at the event's
// origin_server_ts. Its failure message says which keys it tried and why
// each failed.
//
//	keys, _, err := remote.FetchKeys(ctx)
//	Expect(returned).To(match.BeSignedBy(hs.ServerName, keys, rv))
func BeSignedBy(server string, keys *matrix.ServerKeys, rv matrix.RoomVersion) types.GomegaMatcher {
	return &signedMatcher{server: server, keys: keys, rv: rv}
}

type signedMatcher struct {
	server   string
	keys     *matrix.ServerKeys
	rv       matrix.RoomVersion
	problems []string
	signers  []string
}

func (m *signedMatcher) Match(actual any) (bool, error) {
	event, err := objectOf(actual)
	if err != nil {
		return false, err
	}
	if m.keys == nil {
		return false, fmt.Errorf("match: BeSignedBy(%s) needs the server's published keys, got nil", m.server)
	}
	m.problems, m.signers = nil, signersOf(event)
	if m.keys.ServerName != m.server {
		m.problems = append(m.problems, fmt.Sprintf("the key document is for %q, not %q", m.keys.ServerName, m.server))
		return false, nil
	}
	var ids []string
	for _, id := range matrix.SignatureKeyIDs(event, m.server) {
		if strings.HasPrefix(id, "ed25519:") {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		m.problems = append(m.problems, fmt.Sprintf("there is no ed25519 signature by %s", m.server))
		return false, nil
	}
	ts, _ := event.GetInt("origin_server_ts")
	for _, id := range ids {
		key, ok := m.keys.Key(id)
		if !ok {
			m.problems = append(m.problems, fmt.Sprintf("%s: %s does not publish this key (it publishes %s)", id, m.server, published(m.keys)))
			continue
		}
		if err := m.rv.VerifyEventSignature(event, m.server, id, key); err != nil {
			m.problems = append(m.problems, fmt.Sprintf("%s: %v", id, err))
			continue
		}
		if m.rv.EnforceKeyValidity {
			if _, current := m.keys.VerifyKeys[id]; current && m.keys.ValidUntilTS < ts {
				m.problems = append(m.problems, fmt.Sprintf("%s: the key is valid until %d, the event was sent at %d (room v%s enforces key validity)", id, m.keys.ValidUntilTS, ts, m.rv.ID))
			}
			if old, ok := m.keys.OldVerifyKeys[id]; ok && old.ExpiredTS < ts {
				m.problems = append(m.problems, fmt.Sprintf("%s: the key expired at %d, the event was sent at %d (room v%s enforces key validity)", id, old.ExpiredTS, ts, m.rv.ID))
			}
		}
	}
	return len(m.problems) == 0, nil
}

// signersOf lists the servers that signed event.
func signersOf(event matrix.Object) []string {
	sigs, _ := event.GetObject("signatures")
	var out []string
	for s := range sigs {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func published(k *matrix.ServerKeys) string {
	var ids []string
	for id := range k.VerifyKeys {
		ids = append(ids, id)
	}
	for id := range k.OldVerifyKeys {
		ids = append(ids, id+" (old)")
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return "no keys"
	}
	return strings.Join(ids, ", ")
}

func (m *signedMatcher) FailureMessage(any) string {
	return fmt.Sprintf("expected the event (room v%s) to carry a valid signature of %s under a key it publishes (%s):\n    %s\nthe event is signed by: %v\n%s",
		m.rv.ID, m.server, published(m.keys), strings.Join(m.problems, "\n    "), m.signers,
		observed("no valid signature: "+strings.Join(m.problems, "; ")))
}

func (m *signedMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected the event (room v%s) not to carry a valid signature of %s, but it does", m.rv.ID, m.server)
}

package match

import (
	"crypto/ed25519"
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// OutboundCarrySignature matches an event of room version rv that carries
// server's signature under keyID, verifying with key over the redacted
// event. Other signatures, of server or anyone else, are not looked at:
// this is "the event still has the signature the invited server added".
//
//	Expect(invite).To(match.OutboundCarrySignature(rv, remote.Name(), remote.KeyID(), remote.Signer().PublicKey()))
func OutboundCarrySignature(rv matrix.RoomVersion, server, keyID string, key ed25519.PublicKey) types.GomegaMatcher {
	return &outboundCarryMatcher{rv: rv, server: server, keyID: keyID, key: key}
}

type outboundCarryMatcher struct {
	rv            matrix.RoomVersion
	server, keyID string
	key           ed25519.PublicKey
	event         matrix.Object
	err           error
}

func (m *outboundCarryMatcher) Match(actual any) (bool, error) {
	event, err := objectOf(actual)
	if err != nil {
		return false, err
	}
	m.event = event
	if !slices.Contains(matrix.SignatureKeyIDs(event, m.server), m.keyID) {
		m.err = fmt.Errorf("there is no signature of %s with %s", m.server, m.keyID)
		return false, nil
	}
	m.err = m.rv.VerifyEventSignature(event, m.server, m.keyID, m.key)
	return m.err == nil, nil
}

func (m *outboundCarryMatcher) FailureMessage(any) string {
	sigs, _ := m.event.GetObject("signatures")
	return fmt.Sprintf("expected the event (room v%s) to carry %s's valid signature with %s: %v\nits signatures: %s",
		m.rv.ID, m.server, m.keyID, m.err, outboundShow(map[string]any(sigs)))
}

func (m *outboundCarryMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected the event (room v%s) not to carry %s's valid signature with %s, but it does", m.rv.ID, m.server, m.keyID)
}

// OutboundBeSignedOnlyUnder matches an event whose signatures object names
// no server but the given ones: a server signs "under the name of the
// entity signing it" (appendices.md "Signing Details"), so an event fresh
// from one server carries signatures under that server's name only.
//
//	Expect(sent).To(match.OutboundBeSignedOnlyUnder(hs.ServerName))
func OutboundBeSignedOnlyUnder(servers ...string) types.GomegaMatcher {
	return &outboundOnlyMatcher{servers: servers}
}

type outboundOnlyMatcher struct {
	servers []string
	extra   []string
	sigs    matrix.Object
}

func (m *outboundOnlyMatcher) Match(actual any) (bool, error) {
	event, err := objectOf(actual)
	if err != nil {
		return false, err
	}
	m.sigs, _ = event.GetObject("signatures")
	m.extra = nil
	for name := range m.sigs {
		if !slices.Contains(m.servers, name) {
			m.extra = append(m.extra, name)
		}
	}
	slices.Sort(m.extra)
	return len(m.extra) == 0, nil
}

func (m *outboundOnlyMatcher) FailureMessage(any) string {
	return fmt.Sprintf("expected signatures only under %s, but the event also carries signatures under %s, which did not make them: %s",
		strings.Join(m.servers, ", "), strings.Join(m.extra, ", "), outboundShow(map[string]any(m.sigs)))
}

func (m *outboundOnlyMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected signatures under servers other than %s, but there are none: %s", strings.Join(m.servers, ", "), outboundShow(map[string]any(m.sigs)))
}

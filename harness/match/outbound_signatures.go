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
	return objectMatcher(func(event matrix.Object) verdict {
		var err error
		if !slices.Contains(matrix.SignatureKeyIDs(event, server), keyID) {
			err = fmt.Errorf("there is no signature of %s with %s", server, keyID)
		} else {
			err = rv.VerifyEventSignature(event, server, keyID, key)
		}
		sigs, _ := event.GetObject("signatures")
		return verdict{
			holds: err == nil,
			failure: fmt.Sprintf("expected the event (room v%s) to carry %s's valid signature with %s: %v\nits signatures: %s",
				rv.ID, server, keyID, err, outboundShow(map[string]any(sigs))),
			negated: fmt.Sprintf("expected the event (room v%s) not to carry %s's valid signature with %s, but it does", rv.ID, server, keyID),
		}
	})
}

// OutboundBeSignedOnlyUnder matches an event whose signatures object names
// no server but the given ones: a server signs "under the name of the
// entity signing it" (appendices.md "Signing Details"), so an event fresh
// from one server carries signatures under that server's name only.
//
//	Expect(sent).To(match.OutboundBeSignedOnlyUnder(hs.ServerName))
func OutboundBeSignedOnlyUnder(servers ...string) types.GomegaMatcher {
	return objectMatcher(func(event matrix.Object) verdict {
		sigs, _ := event.GetObject("signatures")
		var extra []string
		for name := range sigs {
			if !slices.Contains(servers, name) {
				extra = append(extra, name)
			}
		}
		slices.Sort(extra)
		only, shown := strings.Join(servers, ", "), outboundShow(map[string]any(sigs))
		return verdict{
			holds: len(extra) == 0,
			failure: fmt.Sprintf("expected signatures only under %s, but the event also carries signatures under %s, which did not make them: %s",
				only, strings.Join(extra, ", "), shown),
			negated: fmt.Sprintf("expected signatures under servers other than %s, but there are none: %s", only, shown),
		}
	})
}

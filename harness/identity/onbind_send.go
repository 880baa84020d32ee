package identity

import (
	"context"
	"fmt"

	"herald/harness/matrix"
)

// SendOnBind sends body (see OnBindBody) to the homeserver's /3pid/onbind
// with method: POST, as identity servers do, or PUT, as
// third_party_invite.yaml says. The error is non-nil only when no answer
// came.
func (s *Server) SendOnBind(ctx context.Context, method string, body matrix.Object) (*Response, error) {
	data, err := body.Encode()
	if err != nil {
		return nil, fmt.Errorf("identity: encoding the onbind body: %w", err)
	}
	return s.CallHomeserver(ctx, method, OnBindPath, data)
}

// unparsableLength is how much of a body SendUnparsableOnBind sends: the
// opening of the body, cut inside its first value.
const unparsableLength = 20

// SendUnparsableOnBind sends /3pid/onbind with method a body that is not
// JSON: the start of body's encoding, cut short, so a server can read
// neither the binding nor the invites it names.
func (s *Server) SendUnparsableOnBind(ctx context.Context, method string, body matrix.Object) (*Response, error) {
	data, err := body.Encode()
	if err != nil {
		return nil, fmt.Errorf("identity: encoding the onbind body: %w", err)
	}
	if len(data) > unparsableLength {
		data = data[:unparsableLength]
	} else if len(data) > 1 {
		data = data[:len(data)-1]
	}
	return s.CallHomeserver(ctx, method, OnBindPath, data)
}

package matrix

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
)

// ErrContentHashMismatch is wrapped when an event's hashes.sha256 does
// not match its content hash.
var ErrContentHashMismatch = errors.New("content hash mismatch")

// ErrMissingContentHash is wrapped when an event has no usable
// hashes.sha256.
var ErrMissingContentHash = errors.New("no hashes.sha256")

// ContentHash returns the SHA-256 content hash of event: the canonical
// JSON of the event without unsigned, signatures and hashes
// (server-server-api.md "Calculating the content hash for an event").
func (rv RoomVersion) ContentHash(event Object) ([]byte, error) {
	b, err := rv.Canonical(event.Without("unsigned", "signatures", "hashes"))
	if err != nil {
		return nil, fmt.Errorf("matrix: content hash (room v%s): %w", rv.ID, err)
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

// AddContentHash computes the content hash and stores it, unpadded
// Base64, under hashes.sha256, keeping any other algorithms already in
// hashes (server-server-api.md "Adding hashes and signatures to outgoing
// events").
func (rv RoomVersion) AddContentHash(event Object) error {
	sum, err := rv.ContentHash(event)
	if err != nil {
		return err
	}
	hashes, ok := event.GetObject("hashes")
	if !ok {
		hashes = Object{}
	}
	hashes["sha256"] = EncodeBase64(sum)
	event["hashes"] = map[string]any(hashes)
	return nil
}

// CheckContentHash verifies the event's hashes.sha256 against its
// content hash. A mismatch wraps [ErrContentHashMismatch]; a missing or
// malformed hash wraps [ErrMissingContentHash].
func (rv RoomVersion) CheckContentHash(event Object) error {
	hashes, ok := event.GetObject("hashes")
	if !ok {
		return fmt.Errorf("matrix: check content hash: %w (no hashes object)", ErrMissingContentHash)
	}
	enc, ok := hashes.GetString("sha256")
	if !ok {
		return fmt.Errorf("matrix: check content hash: %w", ErrMissingContentHash)
	}
	claimed, err := DecodeBase64(enc)
	if err != nil {
		return fmt.Errorf("matrix: check content hash: %w: %w", ErrMissingContentHash, err)
	}
	sum, err := rv.ContentHash(event)
	if err != nil {
		return err
	}
	if !bytes.Equal(claimed, sum) {
		return fmt.Errorf("matrix: check content hash: %w: event claims %s, computed %s",
			ErrContentHashMismatch, enc, EncodeBase64(sum))
	}
	return nil
}

// ReferenceHash returns the SHA-256 reference hash of event: the event
// is redacted, signatures and unsigned are removed, and the canonical
// JSON is hashed (server-server-api.md "Calculating the reference hash
// for an event"). unsigned (and anything in it, such as age_ts) is
// already gone after redaction; signatures is kept by redaction and
// removed here.
func (rv RoomVersion) ReferenceHash(event Object) ([]byte, error) {
	red, err := rv.Redact(event)
	if err != nil {
		return nil, err
	}
	b, err := rv.Canonical(red.Without("signatures", "unsigned"))
	if err != nil {
		return nil, fmt.Errorf("matrix: reference hash (room v%s): %w", rv.ID, err)
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

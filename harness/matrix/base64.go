package matrix

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// EncodeBase64 encodes b as unpadded standard Base64 (appendices.md
// "Unpadded Base64"), the encoding of hashes, signatures and keys.
func EncodeBase64(b []byte) string { return base64.RawStdEncoding.EncodeToString(b) }

// EncodeBase64URL encodes b as URL-safe unpadded Base64 (appendices.md
// "URL-safe unpadded Base64"), used for event IDs from room version 4 and
// room IDs in room version 12.
func EncodeBase64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// DecodeBase64 decodes unpadded Base64 in either the standard or the
// URL-safe alphabet, tolerating correct "=" padding (appendices.md:
// implementations SHOULD accept input with or without padding). It
// rejects mixed alphabets, whitespace and any other character.
func DecodeBase64(s string) ([]byte, error) {
	body := strings.TrimRight(s, "=")
	pad := len(s) - len(body)
	if pad > 2 || (pad > 0 && (len(body)+pad)%4 != 0) {
		return nil, fmt.Errorf("matrix: decode base64 %q: bad padding", s)
	}
	std, url := false, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '+' || c == '/':
			std = true
		case c == '-' || c == '_':
			url = true
		default:
			return nil, fmt.Errorf("matrix: decode base64 %q: invalid character %q at offset %d", s, c, i)
		}
	}
	if std && url {
		return nil, fmt.Errorf("matrix: decode base64 %q: mixes the standard and URL-safe alphabets", s)
	}
	if len(body)%4 == 1 {
		return nil, fmt.Errorf("matrix: decode base64 %q: %w", s, errors.New("impossible length"))
	}
	enc := base64.RawStdEncoding
	if url {
		enc = base64.RawURLEncoding
	}
	b, err := enc.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("matrix: decode base64 %q: %w", s, err)
	}
	return b, nil
}

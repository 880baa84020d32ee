package matrix

import (
	"errors"
	"strings"
	"testing"
)

func TestServerKeysRoundTrip(t *testing.T) {
	s := vectorSigner(t)
	s2, _ := GenerateSigner("domain", "ed25519:second")
	oldSigner, _ := GenerateSigner("domain", "ed25519:0ld")
	doc, err := BuildServerKeys(1652262000000, map[string]OldVerifyKey{
		"ed25519:0ld": {Key: oldSigner.PublicKey(), ExpiredTS: 1532645052628},
	}, s, s2)
	if err != nil {
		t.Fatal(err)
	}
	wire, err := doc.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"server_name":"domain"`, `"valid_until_ts":1652262000000`,
		`"ed25519:1":{"key":"XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI"}`,
		`"old_verify_keys":{"ed25519:0ld":{"expired_ts":1532645052628,"key":"`,
	} {
		if !strings.Contains(string(wire), want) {
			t.Errorf("document lacks %s:\n%s", want, wire)
		}
	}
	k, err := VerifyServerKeys(wire, "domain")
	if err != nil {
		t.Fatal(err)
	}
	if k.ServerName != "domain" || k.ValidUntilTS != 1652262000000 || len(k.VerifyKeys) != 2 || len(k.OldVerifyKeys) != 1 {
		t.Errorf("parsed %+v", k)
	}
	if key, ok := k.Key("ed25519:1"); !ok || !key.Equal(s.PublicKey()) {
		t.Error("Key(ed25519:1)")
	}
	if key, ok := k.Key("ed25519:0ld"); !ok || !key.Equal(oldSigner.PublicKey()) {
		t.Error("Key(ed25519:0ld) from old_verify_keys")
	}
	if k.OldVerifyKeys["ed25519:0ld"].ExpiredTS != 1532645052628 {
		t.Error("expired_ts")
	}
	if _, ok := k.Key("ed25519:nope"); ok {
		t.Error("unknown key found")
	}
	if _, err := VerifyServerKeys(wire, "other"); err == nil {
		t.Error("wrong server name: want error")
	}
	if _, err := BuildServerKeys(1, nil); err == nil {
		t.Error("no signer: want error")
	}
	if _, err := BuildServerKeys(1, nil, s, oldSigner, &Signer{ServerName: "x", KeyID: "ed25519:x", PrivateKey: s.PrivateKey}); err == nil {
		t.Error("mixed server names: want error")
	}
}

func TestServerKeysVerificationFailures(t *testing.T) {
	s := vectorSigner(t)
	other, _ := GenerateSigner("domain", "ed25519:1")
	notary, _ := GenerateSigner("notary", "ed25519:n")
	build := func(mut func(Object)) []byte {
		doc, err := BuildServerKeys(1000, nil, s)
		if err != nil {
			t.Fatal(err)
		}
		mut(doc)
		b, _ := doc.Encode()
		return b
	}
	tests := []struct {
		name string
		doc  []byte
		want error
	}{
		{"tampered valid_until_ts", build(func(d Object) { d["valid_until_ts"] = 2000 }), ErrSignatureMismatch},
		{"key replaced", build(func(d Object) {
			d["verify_keys"] = map[string]any{"ed25519:1": map[string]any{"key": other.PublicKeyBase64()}}
		}), ErrSignatureMismatch},
		{"signature removed", build(func(d Object) { d["signatures"] = map[string]any{} }), ErrMissingSignature},
		{"signed by unlisted key only", build(func(d Object) {
			d["signatures"] = map[string]any{"domain": map[string]any{"ed25519:zzz": "abc"}}
		}), ErrMissingSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyServerKeys(tt.doc, "domain")
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	// A notary's extra signature is ignored.
	doc := build(func(d Object) { _ = notary.SignJSON(d) })
	if _, err := VerifyServerKeys(doc, "domain"); err != nil {
		t.Errorf("notary-signed: %v", err)
	}
}

func TestParseServerKeysShape(t *testing.T) {
	// The spec's example (data/api/server-server/examples/server_key.json)
	// uses placeholder text ("This should be a real ed25519 payload") for
	// its keys, which is not a 32-byte ed25519 key.
	example := `{
    "server_name": "example.org",
    "verify_keys": {"ed25519:abc123": {"key": "VGhpcyBzaG91bGQgYmUgYSByZWFsIGVkMjU1MTkgcGF5bG9hZA"}},
    "old_verify_keys": {"ed25519:0ldk3y": {"expired_ts": 1532645052628, "key": "VGhpcyBzaG91bGQgYmUgeW91ciBvbGQga2V5J3MgZWQyNTUxOSBwYXlsb2FkLg"}},
    "signatures": {"example.org": {"ed25519:auto2": "VGhpcyBzaG91bGQgYWN0dWFsbHkgYmUgYSBzaWduYXR1cmU"}},
    "valid_until_ts": 1652262000000
}`
	if _, err := ParseServerKeys([]byte(example)); err == nil || !strings.Contains(err.Error(), "37 bytes") {
		t.Errorf("spec example: %v", err)
	}
	// With a real key, the example's shape parses, but it is signed by
	// ed25519:auto2, which verify_keys does not list.
	example = strings.Replace(example, "VGhpcyBzaG91bGQgYmUgYSByZWFsIGVkMjU1MTkgcGF5bG9hZA", vectorPublicKey, 1)
	example = strings.Replace(example, "VGhpcyBzaG91bGQgYmUgeW91ciBvbGQga2V5J3MgZWQyNTUxOSBwYXlsb2FkLg", vectorPublicKey, 1)
	k, err := ParseServerKeys([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if k.ServerName != "example.org" || len(k.VerifyKeys) != 1 || len(k.OldVerifyKeys) != 1 || k.ValidUntilTS != 1652262000000 {
		t.Errorf("parsed %+v", k)
	}
	if err := k.VerifySelfSignatures(); !errors.Is(err, ErrMissingSignature) {
		t.Errorf("example self-signature: %v", err)
	}
	const key = `"XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI"`
	bad := map[string]string{
		"not an object":       `[]`,
		"no server_name":      `{"verify_keys":{},"signatures":{},"valid_until_ts":1}`,
		"no verify_keys":      `{"server_name":"s","signatures":{},"valid_until_ts":1}`,
		"no signatures":       `{"server_name":"s","verify_keys":{},"valid_until_ts":1}`,
		"no valid_until_ts":   `{"server_name":"s","verify_keys":{},"signatures":{}}`,
		"float valid_until":   `{"server_name":"s","verify_keys":{},"signatures":{},"valid_until_ts":1.5}`,
		"bad key ID":          `{"server_name":"s","verify_keys":{"ed25519:a-b":{"key":` + key + `}},"signatures":{},"valid_until_ts":1}`,
		"key ID no version":   `{"server_name":"s","verify_keys":{"ed25519":{"key":` + key + `}},"signatures":{},"valid_until_ts":1}`,
		"short key":           `{"server_name":"s","verify_keys":{"ed25519:a":{"key":"AAAA"}},"signatures":{},"valid_until_ts":1}`,
		"bad base64 key":      `{"server_name":"s","verify_keys":{"ed25519:a":{"key":"!!"}},"signatures":{},"valid_until_ts":1}`,
		"entry not object":    `{"server_name":"s","verify_keys":{"ed25519:a":` + key + `},"signatures":{},"valid_until_ts":1}`,
		"old key no expiry":   `{"server_name":"s","verify_keys":{},"old_verify_keys":{"ed25519:o":{"key":` + key + `}},"signatures":{},"valid_until_ts":1}`,
		"old keys not object": `{"server_name":"s","verify_keys":{},"old_verify_keys":[],"signatures":{},"valid_until_ts":1}`,
	}
	for name, doc := range bad {
		if _, err := ParseServerKeys([]byte(doc)); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
	// Other algorithms are skipped, not rejected.
	k, err = ParseServerKeys([]byte(`{"server_name":"s","verify_keys":{"curve25519:a":{"key":"AAAA"},"ed25519:b":{"key":` + key + `}},"signatures":{},"valid_until_ts":1}`))
	if err != nil || len(k.VerifyKeys) != 1 {
		t.Errorf("unknown algorithm: %v, %+v", err, k)
	}
}

package matrix

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
)

func TestNewSignerValidation(t *testing.T) {
	seed := make([]byte, 32)
	for _, id := range []string{"ed25519:a_B9", "ed25519:1"} {
		if _, err := NewSigner("hs", id, seed); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	for _, id := range []string{"ed25519:", "ed25519", "curve25519:1", "ed25519:a-b", "ed25519:a:b", ""} {
		if _, err := NewSigner("hs", id, seed); err == nil {
			t.Errorf("key ID %q: want error", id)
		}
	}
	if _, err := NewSigner("hs", "ed25519:1", seed[:31]); err == nil {
		t.Error("short seed: want error")
	}
	g, err := GenerateSigner("hs", "ed25519:g")
	if err != nil {
		t.Fatal(err)
	}
	obj := Object{"a": 1}
	if err := g.SignJSON(obj); err != nil {
		t.Fatal(err)
	}
	if err := VerifyJSON(obj, "hs", "ed25519:g", g.PublicKey()); err != nil {
		t.Error(err)
	}
}

func TestSignJSONKeepsOtherSignaturesAndUnsigned(t *testing.T) {
	s := vectorSigner(t)
	obj := MustParseObject(`{"one":1,"two":"Two","unsigned":{"age_ts":5},"signatures":{"other":{"ed25519:x":"abc"},"domain":{"ed25519:0":"old"}}}`)
	if err := s.SignJSON(obj); err != nil {
		t.Fatal(err)
	}
	got, _ := CanonicalJSON(obj)
	want := `{"one":1,"signatures":{"domain":{"ed25519:0":"old","ed25519:1":"KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"},"other":{"ed25519:x":"abc"}},"two":"Two","unsigned":{"age_ts":5}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if ids := SignatureKeyIDs(obj, "domain"); strings.Join(ids, ",") != "ed25519:0,ed25519:1" {
		t.Errorf("SignatureKeyIDs = %v", ids)
	}
	for _, bad := range []string{`{"signatures":[]}`, `{"signatures":{"domain":"x"}}`} {
		if err := s.SignJSON(MustParseObject(bad)); err == nil {
			t.Errorf("%s: want error", bad)
		}
	}
}

func TestVerifyJSONFailures(t *testing.T) {
	s := vectorSigner(t)
	signed := `{"one":1,"two":"Two","signatures":{"domain":{"ed25519:1":"KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"}}}`
	other, _ := GenerateSigner("domain", "ed25519:1")
	tests := []struct {
		name   string
		obj    string
		server string
		keyID  string
		key    ed25519.PublicKey
		want   error
	}{
		{"tampered field", strings.Replace(signed, `"Two"`, `"Three"`, 1), "domain", "ed25519:1", s.PublicKey(), ErrSignatureMismatch},
		{"added field", strings.Replace(signed, `"one":1`, `"one":1,"three":3`, 1), "domain", "ed25519:1", s.PublicKey(), ErrSignatureMismatch},
		{"wrong key", signed, "domain", "ed25519:1", other.PublicKey(), ErrSignatureMismatch},
		{"no signatures", `{"one":1}`, "domain", "ed25519:1", s.PublicKey(), ErrMissingSignature},
		{"other server", signed, "elsewhere", "ed25519:1", s.PublicKey(), ErrMissingSignature},
		{"other key ID", signed, "domain", "ed25519:2", s.PublicKey(), ErrMissingSignature},
		{"bad base64", strings.Replace(signed, "KqmL", "K!mL", 1), "domain", "ed25519:1", s.PublicKey(), ErrBadSignatureEncoding},
		{"truncated signature", strings.Replace(signed, "+6Bw", "", 1), "domain", "ed25519:1", s.PublicKey(), ErrBadSignatureEncoding},
		{"non-string signature", `{"signatures":{"domain":{"ed25519:1":5}}}`, "domain", "ed25519:1", s.PublicKey(), ErrBadSignatureEncoding},
		{"short public key", signed, "domain", "ed25519:1", s.PublicKey()[:5], ErrBadKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyJSON(MustParseObject(tt.obj), tt.server, tt.keyID, tt.key)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var se *SignatureError
			if !errors.As(err, &se) || se.Server != tt.server || se.KeyID != tt.keyID {
				t.Errorf("error %v does not name %s/%s", err, tt.server, tt.keyID)
			}
		})
	}
	// Unsigned data may change freely; URL-safe signatures are accepted.
	obj := MustParseObject(signed)
	obj["unsigned"] = map[string]any{"age": 99}
	if err := VerifyJSON(obj, "domain", "ed25519:1", s.PublicKey()); err != nil {
		t.Error(err)
	}
	urlSafe := strings.NewReplacer("+", "-", "/", "_").Replace(signed)
	if err := VerifyJSON(MustParseObject(urlSafe), "domain", "ed25519:1", s.PublicKey()); err != nil {
		t.Errorf("URL-safe signature: %v", err)
	}
}

func TestEventSignatureFailures(t *testing.T) {
	s := vectorSigner(t)
	for _, id := range []string{"1", "3", "6", "11", "12"} {
		rv := MustRoomVersion(id)
		t.Run("v"+id, func(t *testing.T) {
			ev := MustParseObject(messageEvent)
			if err := s.HashAndSignEvent(rv, ev); err != nil {
				t.Fatal(err)
			}
			if err := rv.CheckContentHash(ev); err != nil {
				t.Fatal(err)
			}
			// Redactable content: the signature still verifies, the hash
			// does not.
			body := ev.Clone()
			c, _ := body.GetObject("content")
			c["body"] = "tampered"
			if err := rv.VerifyEventSignature(body, "domain", "ed25519:1", s.PublicKey()); err != nil {
				t.Errorf("tampered body should keep a valid signature: %v", err)
			}
			if err := rv.CheckContentHash(body); !errors.Is(err, ErrContentHashMismatch) {
				t.Errorf("tampered body: hash err = %v", err)
			}
			// A redacted copy still verifies (spec: "whether we have been
			// sent the full event or a redacted copy").
			red, _ := rv.Redact(ev)
			if err := rv.VerifyEventSignature(red, "domain", "ed25519:1", s.PublicKey()); err != nil {
				t.Errorf("redacted copy: %v", err)
			}
			// Essential fields are covered by the signature.
			for _, f := range []string{"sender", "room_id", "type", "origin_server_ts"} {
				e := ev.Clone()
				e[f] = "x"
				if err := rv.VerifyEventSignature(e, "domain", "ed25519:1", s.PublicKey()); !errors.Is(err, ErrSignatureMismatch) {
					t.Errorf("tampered %s: err = %v", f, err)
				}
			}
			// A tampered hash breaks the signature (hashes is signed) and the hash check.
			e := ev.Clone()
			e["hashes"] = map[string]any{"sha256": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
			if err := rv.VerifyEventSignature(e, "domain", "ed25519:1", s.PublicKey()); !errors.Is(err, ErrSignatureMismatch) {
				t.Errorf("tampered hash: signature err = %v", err)
			}
			if err := rv.CheckContentHash(e); !errors.Is(err, ErrContentHashMismatch) {
				t.Errorf("tampered hash: hash err = %v", err)
			}
			e = ev.Clone()
			delete(e, "hashes")
			if err := rv.CheckContentHash(e); !errors.Is(err, ErrMissingContentHash) {
				t.Errorf("no hashes: %v", err)
			}
			e["hashes"] = map[string]any{"sha256": "!!"}
			if err := rv.CheckContentHash(e); !errors.Is(err, ErrMissingContentHash) {
				t.Errorf("bad hash encoding: %v", err)
			}
			// origin is signed up to v10 only.
			e = ev.Clone()
			e["origin"] = "elsewhere"
			err := rv.VerifyEventSignature(e, "domain", "ed25519:1", s.PublicKey())
			if rv.OriginProtected != errors.Is(err, ErrSignatureMismatch) {
				t.Errorf("tampered origin: err = %v (origin protected: %v)", err, rv.OriginProtected)
			}
			other, _ := GenerateSigner("domain", "ed25519:1")
			if err := rv.VerifyEventSignature(ev, "domain", "ed25519:1", other.PublicKey()); !errors.Is(err, ErrSignatureMismatch) {
				t.Errorf("wrong key: %v", err)
			}
			if err := rv.VerifyEventSignature(ev, "hs2", "ed25519:1", s.PublicKey()); !errors.Is(err, ErrMissingSignature) {
				t.Errorf("missing server: %v", err)
			}
		})
	}
}

func TestStrictEventsRejectFloats(t *testing.T) {
	s := vectorSigner(t)
	raw := `{"type":"m.room.power_levels","state_key":"","sender":"@a:hs","room_id":"!r:hs","content":{"users":{"@a:hs":50.5}},"depth":1,"prev_events":[],"auth_events":[],"origin_server_ts":1}`
	for _, rv := range KnownVersions() {
		err := s.HashAndSignEvent(rv, MustParseObject(raw))
		if rv.StrictCanonicalJSON != errors.Is(err, ErrStrictJSON) {
			t.Errorf("v%s: err = %v, strict = %v", rv.ID, err, rv.StrictCanonicalJSON)
		}
	}
}

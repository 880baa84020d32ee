package matrix

import (
	"bytes"
	"crypto/ed25519"
	"testing"
)

// Test vectors from appendices.md "Cryptographic Test Vectors" (also in
// SPEC-NOTES.md "Signing and hashing").

const (
	vectorSeed      = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"
	vectorPublicKey = "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI"
)

func vectorSigner(t testing.TB) *Signer {
	t.Helper()
	seed, err := DecodeBase64(vectorSeed)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner("domain", "ed25519:1", seed)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVectorSigningKey(t *testing.T) {
	s := vectorSigner(t)
	if got := s.PublicKeyBase64(); got != vectorPublicKey {
		t.Fatalf("public key = %s, want %s", got, vectorPublicKey)
	}
}

func TestVectorJSONSigning(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty object", `{}`,
			`{"signatures":{"domain":{"ed25519:1":"K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"}}}`},
		{"data values", `{"one": 1, "two": "Two"}`,
			`{"one":1,"signatures":{"domain":{"ed25519:1":"KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"}},"two":"Two"}`},
	}
	s := vectorSigner(t)
	pub, _ := DecodeBase64(vectorPublicKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := MustParseObject(tt.in)
			if err := s.SignJSON(obj); err != nil {
				t.Fatal(err)
			}
			got, err := CanonicalJSON(obj)
			if err != nil {
				t.Fatal(err)
			}
			want, err := CanonicalizeJSON([]byte(tt.want), true)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("signed =\n%s\nwant\n%s", got, want)
			}
			if err := VerifyJSON(MustParseObject(tt.want), "domain", "ed25519:1", ed25519.PublicKey(pub)); err != nil {
				t.Fatalf("spec's signed JSON does not verify: %v", err)
			}
		})
	}
}

const (
	minimalEvent = `{
    "room_id": "!x:domain",
    "sender": "@a:domain",
    "origin": "domain",
    "origin_server_ts": 1000000,
    "signatures": {},
    "hashes": {},
    "type": "X",
    "content": {},
    "prev_events": [],
    "auth_events": [],
    "depth": 3,
    "unsigned": {
        "age_ts": 1000000
    }
}`
	minimalEventSigned = `{
    "auth_events": [],
    "content": {},
    "depth": 3,
    "hashes": {
        "sha256": "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos"
    },
    "origin": "domain",
    "origin_server_ts": 1000000,
    "prev_events": [],
    "room_id": "!x:domain",
    "sender": "@a:domain",
    "signatures": {
        "domain": {
            "ed25519:1": "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg"
        }
    },
    "type": "X",
    "unsigned": {
        "age_ts": 1000000
    }
}`
	messageEvent = `{
    "content": {
        "body": "Here is the message content"
    },
    "event_id": "$0:domain",
    "origin": "domain",
    "origin_server_ts": 1000000,
    "type": "m.room.message",
    "room_id": "!r:domain",
    "sender": "@u:domain",
    "signatures": {},
    "unsigned": {
        "age_ts": 1000000
    }
}`
	messageEventSigned = `{
    "content": {
        "body": "Here is the message content"
    },
    "event_id": "$0:domain",
    "hashes": {
        "sha256": "onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g"
    },
    "origin": "domain",
    "origin_server_ts": 1000000,
    "type": "m.room.message",
    "room_id": "!r:domain",
    "sender": "@u:domain",
    "signatures": {
        "domain": {
            "ed25519:1": "Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA"
        }
    },
    "unsigned": {
        "age_ts": 1000000
    }
}`
)

// TestVectorEventSigning checks both appendix events in every room
// version whose redaction keeps the top-level origin (v1–v10); the
// vectors carry origin, so v11+ (which redacts it) signs different bytes.
func TestVectorEventSigning(t *testing.T) {
	events := []struct {
		name, in, want, hash, sig string
	}{
		{"minimal event", minimalEvent, minimalEventSigned,
			"5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos",
			"KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg"},
		{"message event", messageEvent, messageEventSigned,
			"onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g",
			"Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA"},
	}
	s := vectorSigner(t)
	for _, rv := range KnownVersions() {
		for _, ev := range events {
			t.Run("v"+rv.ID+"/"+ev.name, func(t *testing.T) {
				event := MustParseObject(ev.in)
				if err := s.HashAndSignEvent(rv, event); err != nil {
					t.Fatal(err)
				}
				hashes, _ := event.GetObject("hashes")
				if got := hashes["sha256"]; got != ev.hash {
					t.Errorf("hashes.sha256 = %v, want %s", got, ev.hash)
				}
				got := SignatureKeyIDs(event, "domain")
				if len(got) != 1 || got[0] != "ed25519:1" {
					t.Fatalf("signature key IDs = %v", got)
				}
				sigs, _ := event.GetObject("signatures")
				mine, _ := asObject(sigs["domain"])
				sig := mine["ed25519:1"]
				if rv.OriginProtected {
					if sig != ev.sig {
						t.Errorf("signature = %v, want %s", sig, ev.sig)
					}
					gotJSON, _ := CanonicalJSON(event)
					wantJSON, _ := CanonicalizeJSON([]byte(ev.want), true)
					if !bytes.Equal(gotJSON, wantJSON) {
						t.Errorf("signed event =\n%s\nwant\n%s", gotJSON, wantJSON)
					}
					// The spec's own output verifies too.
					if err := rv.VerifyEventSignature(MustParseObject(ev.want), "domain", "ed25519:1", s.PublicKey()); err != nil {
						t.Errorf("spec's signed event does not verify: %v", err)
					}
					if err := rv.CheckContentHash(MustParseObject(ev.want)); err != nil {
						t.Errorf("spec's signed event fails the content hash: %v", err)
					}
				} else if sig == ev.sig {
					t.Errorf("v%s redacts origin, so the signature should differ from the vector", rv.ID)
				}
				if err := rv.VerifyEventSignature(event, "domain", "ed25519:1", s.PublicKey()); err != nil {
					t.Errorf("own signature does not verify: %v", err)
				}
			})
		}
	}
}

package match

import (
	"testing"

	"herald/harness/matrix"
)

func TestBeSignedBy(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	mock, hs := signer(t, "mock"), signer(t, "hs1")
	keys := keysOf(t, hs)
	ev := invite(t, rv, mock)
	if err := hs.SignEvent(rv, ev); err != nil {
		t.Fatal(err)
	}
	passes(t, BeSignedBy("hs1", keys, rv), ev)

	fails(t, BeSignedBy("hs1", keys, rv), invite(t, rv, mock), "no ed25519 signature by hs1", "signed by: [mock]")

	corrupt := ev.Clone()
	sigs, _ := corrupt.GetObject("signatures")
	mine, _ := matrix.Object(sigs).GetObject("hs1")
	mine["ed25519:test"] = "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"
	fails(t, BeSignedBy("hs1", keys, rv), corrupt, "ed25519:test", "does not verify")

	// The signature covers the redacted event: a changed membership (kept
	// by redaction) breaks it.
	changed := ev.Clone()
	changed["content"] = map[string]any{"membership": "join"}
	fails(t, BeSignedBy("hs1", keys, rv), changed, "does not verify")

	other, err := matrix.GenerateSigner("hs1", "ed25519:other")
	if err != nil {
		t.Fatal(err)
	}
	unpublished := invite(t, rv, mock)
	if err := other.SignEvent(rv, unpublished); err != nil {
		t.Fatal(err)
	}
	fails(t, BeSignedBy("hs1", keys, rv), unpublished, "ed25519:other: hs1 does not publish this key (it publishes ed25519:test)")

	fails(t, BeSignedBy("hs1", keysOf(t, mock), rv), ev, `the key document is for "mock", not "hs1"`)

	if _, err := BeSignedBy("hs1", nil, rv).Match(ev); err == nil {
		t.Error("nil keys were accepted")
	}
}

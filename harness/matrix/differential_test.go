package matrix

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// pythonReference is the appendix's reference canonical_json code
// (appendices.md "Canonical JSON"), plus ed25519 signing with the
// appendix key when the cryptography package is installed. Each input
// line is one JSON value; each output line is the Base64 of the
// canonical JSON and the unpadded Base64 signature (or "-").
const pythonReference = `
import sys, json, base64
try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(sys.argv[1] + "="))
except Exception:
    key = None

def canonical_json(value):
    return json.dumps(
        value,
        ensure_ascii=False,
        separators=(',', ':'),
        sort_keys=True,
    ).encode("UTF-8")

for line in sys.stdin:
    c = canonical_json(json.loads(line))
    sig = base64.b64encode(key.sign(c)).decode().rstrip("=") if key else "-"
    print(base64.b64encode(c).decode(), sig)
`

// TestDifferentialPython compares canonical JSON and signatures with the
// spec's Python reference code on generated values. It is skipped when
// python3 is not installed; the signature comparison is skipped when the
// cryptography package is not.
func TestDifferentialPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var values []Object
	for _, fixed := range []string{minimalEvent, minimalEventSigned, messageEvent, messageEventSigned, sampleEvent} {
		values = append(values, MustParseObject(fixed))
	}
	for range 400 {
		values = append(values, randObject(rng, 0))
	}
	var in bytes.Buffer
	for _, v := range values {
		b, err := json.Marshal(v) // escapes <, >, &, U+2028, U+2029: a different input form
		if err != nil {
			t.Fatal(err)
		}
		in.Write(b)
		in.WriteByte('\n')
	}
	cmd := exec.Command(py, "-c", pythonReference, vectorSeed)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(values) {
		t.Fatalf("python3 answered %d lines for %d values", len(lines), len(values))
	}
	s := vectorSigner(t)
	signed := 0
	for i, line := range lines {
		encCanon, wantSig, _ := strings.Cut(line, " ")
		want, err := DecodeBase64(encCanon)
		if err != nil {
			t.Fatal(err)
		}
		got, err := CanonicalJSON(values[i])
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("value %d:\n go     %q\n python %q", i, got, want)
			continue
		}
		if wantSig == "-" {
			continue
		}
		// Signature signs the object without signatures and unsigned;
		// Python signs all of it, so compare on objects without those.
		v := values[i]
		if v.Has("signatures") || v.Has("unsigned") {
			continue
		}
		gotSig, err := s.Signature(v)
		if err != nil {
			t.Fatal(err)
		}
		if gotSig != wantSig {
			t.Errorf("value %d: signature %s, python %s", i, gotSig, wantSig)
		}
		signed++
	}
	t.Logf("compared %d values, %d signatures", len(values), signed)
}

var runePalette = []rune{
	'a', 'b', 'Z', '0', ' ', '~', '/', '"', '\\', '<', '>', '&', '\'',
	0x00, 0x01, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1f, 0x7f, 0x80,
	'é', 'ß', '日', '本', 0x2028, 0x2029, 0xfeff, 0xe000, 0xffff, 0x10000, '😀', 0x10ffff,
}

func randString(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(8) {
		b.WriteRune(runePalette[rng.IntN(len(runePalette))])
	}
	return b.String()
}

func randObject(rng *rand.Rand, depth int) Object {
	o := Object{}
	for range rng.IntN(6) {
		k := randString(rng)
		if k == "signatures" || k == "unsigned" {
			continue
		}
		o[k] = randValue(rng, depth+1)
	}
	return o
}

func randValue(rng *rand.Rand, depth int) any {
	n := 7
	if depth > 4 {
		n = 5
	}
	switch rng.IntN(n) {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		ints := []int64{0, 1, -1, 42, MaxSafeInteger, -MaxSafeInteger, 1 << 40, rng.Int64N(MaxSafeInteger)}
		return ints[rng.IntN(len(ints))]
	case 3, 4:
		return randString(rng)
	case 5:
		a := make([]any, rng.IntN(4))
		for i := range a {
			a[i] = randValue(rng, depth+1)
		}
		return a
	default:
		return map[string]any(randObject(rng, depth))
	}
}

package matrix

import (
	"bytes"
	"testing"
)

func TestBase64(t *testing.T) {
	// appendices.md "Unpadded Base64" examples.
	for in, want := range map[string]string{"": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"} {
		if got := EncodeBase64([]byte(in)); got != want {
			t.Errorf("EncodeBase64(%q) = %q, want %q", in, got, want)
		}
		got, err := DecodeBase64(want)
		if err != nil || string(got) != in {
			t.Errorf("DecodeBase64(%q) = %q, %v", want, got, err)
		}
	}
	raw := []byte{0xfb, 0xff, 0xfe, 0x3e}
	if got := EncodeBase64(raw); got != "+//+Pg" {
		t.Errorf("EncodeBase64 = %s", got)
	}
	if got := EncodeBase64URL(raw); got != "-__-Pg" {
		t.Errorf("EncodeBase64URL = %s", got)
	}
	for _, in := range []string{"+//+Pg", "-__-Pg", "+//+Pg==", "-__-Pg=="} {
		got, err := DecodeBase64(in)
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("DecodeBase64(%q) = %x, %v", in, got, err)
		}
	}
	for _, in := range []string{"+_", "Zg=", "Zg===", "Zm9v=", "Z", "Zm 9v", "Zm9v\n", "Zm.9", "=="} {
		if got, err := DecodeBase64(in); err == nil {
			t.Errorf("DecodeBase64(%q) = %x, want error", in, got)
		}
	}
}

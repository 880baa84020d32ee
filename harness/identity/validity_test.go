package identity

import (
	"net/http"
	"strings"
	"testing"

	"herald/harness/matrix"
)

// A key is asked about at its validity URL in either base64 alphabet; a
// request for another key, at another path, with another method or
// without the key is no such question.
func TestAskedWhetherValid(t *testing.T) {
	probe := start(t, Env{})
	key := probe.ForgedKey() // any key: the mock's answer does not matter
	std := IsValid.Path() + "?public_key=" + strings.NewReplacer("+", "%2B", "/", "%2F").Replace(key.PublicKeyBase64())
	urlSafe := IsValid.Path() + "?public_key=" + matrix.EncodeBase64URL(key.PublicKey())
	other, _ := matrix.GenerateSigner("elsewhere", "ed25519:0")
	asked := func(method, target string) bool {
		t.Helper()
		s := start(t, Env{})
		req, err := http.NewRequestWithContext(t.Context(), method, s.URL(target), nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := client(t, s).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return s.AskedWhetherValid(key, s.URL(IsValid.Path()))
	}
	for name, target := range map[string]string{"standard": std, "url-safe": urlSafe} {
		if !asked(http.MethodGet, target) {
			t.Errorf("%s: a check of the key is not seen", name)
		}
	}
	for name, c := range map[string]struct{ method, target string }{
		"another key":   {http.MethodGet, IsValid.Path() + "?public_key=" + matrix.EncodeBase64URL(other.PublicKey())},
		"another path":  {http.MethodGet, "/_matrix/identity/api/v1/pubkey/isvalid?public_key=" + matrix.EncodeBase64URL(key.PublicKey())},
		"POST":          {http.MethodPost, urlSafe},
		"no public_key": {http.MethodGet, IsValid.Path()},
	} {
		if asked(c.method, c.target) {
			t.Errorf("%s: counted as a check of the key", name)
		}
	}
	if probe.AskedWhetherValid(key, probe.URL(IsValid.Path())) {
		t.Error("a mock nobody asked counts a check")
	}
}

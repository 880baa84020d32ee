package identity

import (
	"bytes"
	"net/http"
	"testing"

	"herald/harness/matrix"
)

// SendOnBind sends the body as JSON; SendUnparsableOnBind sends the start
// of the same encoding, which does not parse.
func TestSendOnBindAndItsUnparsableForm(t *testing.T) {
	target, reqs, bodies := fakeHomeserver(t, 200)
	s := start(t, Env{Peer: target})
	s.Store("email", "bob@example.org", "!room:remote", "@alice:remote")
	body := s.OnBindBody("email", "bob@example.org", "@bob:hs.test")
	want, _ := body.Encode()

	if _, err := s.SendOnBind(t.Context(), http.MethodPut, body); err != nil {
		t.Fatal(err)
	}
	r, got := <-reqs, <-bodies
	if r.Method != http.MethodPut || r.URL.Path != OnBindPath || !bytes.Equal(got, want) {
		t.Errorf("sent %s %s %s, want PUT %s %s", r.Method, r.URL.Path, got, OnBindPath, want)
	}

	if _, err := s.SendUnparsableOnBind(t.Context(), http.MethodPost, body); err != nil {
		t.Fatal(err)
	}
	r, got = <-reqs, <-bodies
	if r.Method != http.MethodPost || r.URL.Path != OnBindPath {
		t.Errorf("sent %s %s", r.Method, r.URL.Path)
	}
	if _, err := matrix.ParseJSON(got); err == nil || len(got) == 0 || !bytes.HasPrefix(want, got) {
		t.Errorf("sent %q: want a non-empty start of %s that does not parse", got, want)
	}
}

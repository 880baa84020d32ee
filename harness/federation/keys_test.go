package federation

import (
	"net/http"
	"testing"
	"time"
)

// TestRequestsSignedWithExpiredKeysAreRefused: a request signed with a key
// the sender moved to old_verify_keys, or whose document has passed its
// valid_until_ts, is refused 401 and is a problem; after a rotation the
// receiver follows the sender to its new key.
func TestRequestsSignedWithExpiredKeysAreRefused(t *testing.T) {
	const path = "/_matrix/federation/v1/query/profile?user_id=%40bob%3Aelsewhere"
	check := func(t *testing.T, receiver *Server, res *Response, err error, wantOK bool) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if wantOK && res.StatusCode == http.StatusUnauthorized {
			t.Errorf("refused: %v\n%s", res, receiver.Journal.Transcript())
		}
		if !wantOK && (res.StatusCode != http.StatusUnauthorized || res.Errcode() != "M_UNAUTHORIZED") {
			t.Errorf("want 401 M_UNAUTHORIZED, got %v", res)
		}
	}
	t.Run("a key in old_verify_keys", func(t *testing.T) {
		t.Parallel()
		receiver, sender := pair(t, nil, nil)
		old, err := sender.RotateKey()
		if err != nil {
			t.Fatal(err)
		}
		res, err := sender.Raw(t.Context(), "GET", path, nil, SignWith(old))
		check(t, receiver, res, err, false)
		hasProblem(t, receiver, "X-Matrix signature verifies under a current key")
	})
	t.Run("a rotation is followed", func(t *testing.T) {
		t.Parallel()
		receiver, sender := pair(t, nil, nil)
		res, err := sender.Raw(t.Context(), "GET", path, nil) // the receiver caches the first key
		check(t, receiver, res, err, true)
		old, err := sender.RotateKey()
		if err != nil {
			t.Fatal(err)
		}
		res, err = sender.Raw(t.Context(), "GET", path, nil) // a new key ID: fetched again
		check(t, receiver, res, err, true)
		if n := len(receiver.Journal.Sent()); n != 2 {
			t.Errorf("the receiver fetched the sender's keys %d times, want 2", n)
		}
		noProblems(t, receiver)
		res, err = sender.Raw(t.Context(), "GET", path, nil, SignWith(old)) // now listed as old
		check(t, receiver, res, err, false)
		hasProblem(t, receiver, "X-Matrix signature verifies under a current key")
	})
	t.Run("a document past valid_until_ts", func(t *testing.T) {
		t.Parallel()
		receiver, sender := pair(t, nil, []Option{KeyValidity(-time.Minute)})
		for range 2 {
			res, err := sender.Raw(t.Context(), "GET", path, nil)
			check(t, receiver, res, err, false)
		}
		hasProblem(t, receiver, "X-Matrix signature verifies under a current key")
		// Each time the document held had expired, so it was fetched again.
		if n := len(receiver.Journal.Sent()); n != 2 {
			t.Errorf("the receiver fetched the sender's keys %d times for 2 requests, want 2", n)
		}
	})
}

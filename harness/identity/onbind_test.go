package identity

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
	"herald/harness/mockhttp/mocktest"
)

// fakeHomeserver is an HTTPS server for "hs.test" that records what it got.
func fakeHomeserver(t *testing.T, status int) (mockhttp.Peer, chan *http.Request, chan []byte) {
	cert, err := mocktest.CA(t).Issue("hs.test")
	if err != nil {
		t.Fatal(err)
	}
	reqs, bodies := make(chan *http.Request, 4), make(chan []byte, 4)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs <- r
		bodies <- b
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte("{}"))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	return mockhttp.Peer{Name: "hs.test", Addr: mustAddrPort(t, addr), TLS: mocktest.CA(t).ClientConfig("hs.test")}, reqs, bodies
}

func TestNotifyBind(t *testing.T) {
	target, reqs, bodies := fakeHomeserver(t, 200)
	s := start(t, Env{Peer: target})
	inv := s.Store("email", "bob@example.org", "!room:remote", "@alice:remote")
	s.Store("email", "someone-else@example.org", "!room:remote", "@alice:remote")

	res, err := s.NotifyBind(t.Context(), "email", "bob@example.org", "@bob:hs.test")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("NotifyBind: %v %v", err, res)
	}
	r, body := <-reqs, <-bodies
	if r.Method != http.MethodPost || r.URL.Path != OnBindPath || r.Host != "hs.test" {
		t.Errorf("sent %s %s to host %q", r.Method, r.URL.Path, r.Host)
	}
	obj, err := matrix.ParseObject(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifies(obj, s.LongTermKey()); err != nil {
		t.Errorf("the onbind body is not signed with the long-term key: %v", err)
	}
	invites, _ := obj.GetArray("invites")
	if len(invites) != 1 {
		t.Fatalf("want the one pending invite for the address, got %v", invites)
	}
	entry := matrix.Object(invites[0].(map[string]any))
	for k, want := range map[string]string{"medium": "email", "address": "bob@example.org", "mxid": "@bob:hs.test", "room_id": "!room:remote", "sender": "@alice:remote"} {
		if got, _ := entry.GetString(k); got != want {
			t.Errorf("invite %s = %q, want %q", k, got, want)
		}
	}
	signed, _ := entry.GetObject("signed")
	if got, _ := signed.GetString("token"); got != inv.Token {
		t.Errorf("signed.token = %q", got)
	}
	if err := verifies(signed, s.LongTermKey()); err != nil {
		t.Errorf("signed does not verify: %v", err)
	}
	if mxid, ok := s.boundTo("email", "bob@example.org"); !ok || mxid != "@bob:hs.test" {
		t.Error("NotifyBind did not record the binding")
	}
	out := s.Journal.Exchanges()
	if len(out) != 1 || out[0].Direction != Outbound || out[0].Route != OnBind || out[0].Status != 200 {
		t.Errorf("journal: %v", out)
	}
}

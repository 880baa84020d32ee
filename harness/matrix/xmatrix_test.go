package matrix

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseXMatrixAccepts(t *testing.T) {
	full := XMatrix{Origin: "origin.hs.example.com", Destination: "destination.hs.example.com", KeyID: "ed25519:key1", Signature: "ABCDEF..."}
	noDest := full
	noDest.Destination = ""
	tests := []struct {
		name, header string
		want         XMatrix
	}{
		{"spec example", `X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF..."`, full},
		{"any order", `X-Matrix sig="ABCDEF...",key="ed25519:key1",destination="destination.hs.example.com",origin="origin.hs.example.com"`, full},
		{"case-insensitive names", `X-Matrix ORIGIN="origin.hs.example.com",Destination="destination.hs.example.com",kEy="ed25519:key1",SIG="ABCDEF..."`, full},
		{"case-insensitive scheme", `x-matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF..."`, full},
		{"whitespace around commas and equals", "X-Matrix   origin = \"origin.hs.example.com\" ,\tdestination=\"destination.hs.example.com\" , key=\t\"ed25519:key1\",sig=\"ABCDEF...\" ", full},
		{"unquoted tokens with colons", `X-Matrix origin=origin.hs.example.com,destination=destination.hs.example.com,key=ed25519:key1,sig=ABCDEF...`, full},
		{"escapes in quoted values", `X-Matrix origin="origin.hs.\example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABC\DEF..."`, full},
		{"empty list elements", `X-Matrix ,origin="origin.hs.example.com",,destination="destination.hs.example.com", ,key="ed25519:key1",sig="ABCDEF...",`, full},
		{"unknown parameters ignored", `X-Matrix origin="origin.hs.example.com",foo="b\"a,r",destination="destination.hs.example.com",key="ed25519:key1",bar=baz,sig="ABCDEF..."`, full},
		{"no destination (older servers)", `X-Matrix origin="origin.hs.example.com",key="ed25519:key1",sig="ABCDEF..."`, noDest},
		{"quote and backslash escaped", `X-Matrix origin="a\"b\\c",key="k",sig="s"`, XMatrix{Origin: `a"b\c`, KeyID: "k", Signature: "s"}},
		{"port and IPv6 origin", `X-Matrix origin="[::1]:8448",destination=host.docker.internal:34567,key="ed25519:a",sig="+/x"`,
			XMatrix{Origin: "[::1]:8448", Destination: "host.docker.internal:34567", KeyID: "ed25519:a", Signature: "+/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseXMatrix(tt.header)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			back, err := ParseXMatrix(got.String())
			if err != nil || back != got {
				t.Errorf("String() %q re-parses as %+v, %v", got.String(), back, err)
			}
		})
	}
}

func TestParseXMatrixRejects(t *testing.T) {
	tests := []struct{ name, header, wantInErr string }{
		{"empty", ``, "no authorisation scheme"},
		{"other scheme", `Bearer abc`, "scheme"},
		{"scheme prefix", `X-Matrixx origin=a,key=k,sig=s`, "scheme"},
		{"no parameters", `X-Matrix`, "no parameters"},
		{"no space after scheme", `X-Matrix,origin=a,key=k,sig=s`, "followed by a space"},
		{"tab after scheme", "X-Matrix\torigin=a,key=k,sig=s", "followed by a space"},
		{"missing origin", `X-Matrix key="k",sig="s"`, `missing parameter "origin"`},
		{"missing key", `X-Matrix origin="o",sig="s"`, `missing parameter "key"`},
		{"missing sig", `X-Matrix origin="o",key="k"`, `missing parameter "sig"`},
		{"signature instead of sig", `X-Matrix origin="o",key="k",signature="s"`, `found "signature"`},
		{"duplicate", `X-Matrix origin="o",key="k",sig="s",origin="p"`, "more than once"},
		{"duplicate differing case", `X-Matrix origin="o",key="k",sig="s",Sig="t"`, "more than once"},
		{"duplicate unknown", `X-Matrix origin="o",key="k",sig="s",x=1,X=2`, "more than once"},
		{"empty quoted origin", `X-Matrix origin="",key="k",sig="s"`, "empty"},
		{"empty destination", `X-Matrix origin="o",destination="",key="k",sig="s"`, "empty"},
		{"empty unquoted value", `X-Matrix origin=,key="k",sig="s"`, "empty value"},
		{"no equals", `X-Matrix origin,key="k",sig="s"`, "no '='"},
		{"token68", `X-Matrix abc==`, "not allowed in an unquoted value"},
		{"quote swallowing the rest", `X-Matrix origin="o,key="k",sig="s"`, "expected ','"},
		{"unterminated quote", `X-Matrix origin="o",key="k",sig="s`, "unterminated"},
		{"unterminated escape", `X-Matrix origin="o",key="k",sig="s\`, "unterminated escape"},
		{"control character", "X-Matrix origin=\"o\x01\",key=\"k\",sig=\"s\"", "control character"},
		{"escaped control character", "X-Matrix origin=\"o\\\x01\",key=\"k\",sig=\"s\"", "control character"},
		{"slash unquoted", `X-Matrix origin=o,key=k,sig=ab/cd`, "not allowed in an unquoted value"},
		{"equals unquoted", `X-Matrix origin=o,key=k,sig=abcd==`, "not allowed in an unquoted value"},
		{"junk after quoted value", `X-Matrix origin="o"x,key="k",sig="s"`, "expected ','"},
		{"space inside unquoted value", `X-Matrix origin=o p,key="k",sig="s"`, "expected ','"},
		{"missing comma", `X-Matrix origin="o" key="k",sig="s"`, "expected ','"},
		{"bad name", `X-Matrix "origin"="o",key="k",sig="s"`, "parameter name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseXMatrix(tt.header)
			if err == nil {
				t.Fatalf("parsed as %+v, want error", got)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantInErr)
			}
		})
	}
}

func TestXMatrixString(t *testing.T) {
	x := XMatrix{Origin: "o.example", Destination: "d.example:8448", KeyID: "ed25519:1", Signature: "abc+/"}
	if got, want := x.String(), `X-Matrix origin="o.example",destination="d.example:8448",key="ed25519:1",sig="abc+/"`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	x.Destination = ""
	if got, want := x.String(), `X-Matrix origin="o.example",key="ed25519:1",sig="abc+/"`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestRequestJSON(t *testing.T) {
	obj, err := RequestJSON("PUT", "/_matrix/federation/v2/invite/!r:hs/$e?x=1", "o", "d", []byte(`{"b":1,"a":[true]}`))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := CanonicalJSON(obj)
	if want := `{"content":{"a":[true],"b":1},"destination":"d","method":"PUT","origin":"o","uri":"/_matrix/federation/v2/invite/!r:hs/$e?x=1"}`; string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	obj, _ = RequestJSON("GET", "/_matrix/key/v2/server", "o", "d", nil)
	if obj.Has("content") {
		t.Error("GET without body has content")
	}
	if _, err := RequestJSON("PUT", "/", "o", "d", []byte("not json")); err == nil {
		t.Error("non-JSON body: want error")
	}
}

// TestXMatrixSignatureVector pins a request signature made with the
// appendix key; the signature was checked independently against the
// canonical JSON printed in the test (ed25519 is deterministic).
func TestXMatrixSignatureVector(t *testing.T) {
	s := vectorSigner(t)
	x, err := s.SignRequest("POST", "/target", "destination", []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := RequestJSON("POST", "/target", "domain", "destination", []byte(`{"a":1}`))
	msg, _ := CanonicalJSON(obj)
	if want := `{"content":{"a":1},"destination":"destination","method":"POST","origin":"domain","uri":"/target"}`; string(msg) != want {
		t.Fatalf("signed JSON %s", msg)
	}
	sig, _ := DecodeBase64(x.Signature)
	if !ed25519.Verify(s.PublicKey(), msg, sig) {
		t.Fatal("signature does not cover the request JSON")
	}
	if x.Origin != "domain" || x.Destination != "destination" || x.KeyID != "ed25519:1" {
		t.Errorf("header params %+v", x)
	}
}

func TestVerifyRequest(t *testing.T) {
	s := vectorSigner(t)
	const (
		method = "PUT"
		uri    = "/_matrix/federation/v1/send/txn1?a=b%2F"
		dest   = "hs2.example:8448"
	)
	body := []byte(`{"pdus":[],"edus":[{"edu_type":"m.typing","content":{"typing":true}}]}`)
	x, err := s.SignRequest(method, uri, dest, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyRequest(x, method, uri, dest, body, s.PublicKey()); err != nil {
		t.Fatal(err)
	}
	// Same JSON with other whitespace and key order still verifies.
	if err := VerifyRequest(x, method, uri, dest, []byte(` {"edus":[{"content":{"typing":true},"edu_type":"m.typing"}], "pdus":[]}`), s.PublicKey()); err != nil {
		t.Errorf("reformatted body: %v", err)
	}
	other, _ := GenerateSigner("domain", "ed25519:1")
	noDest := x
	noDest.Destination = ""
	wrongKeyID := x
	wrongKeyID.KeyID = "ed25519:2"
	wrongOrigin := x
	wrongOrigin.Origin = "evil"
	tests := []struct {
		name        string
		x           XMatrix
		method, uri string
		dest        string
		body        []byte
		key         ed25519.PublicKey
		want        error
	}{
		{"wrong method", x, "POST", uri, dest, body, s.PublicKey(), ErrSignatureMismatch},
		{"wrong uri path", x, method, "/_matrix/federation/v1/send/txn2?a=b%2F", dest, body, s.PublicKey(), ErrSignatureMismatch},
		{"wrong uri query", x, method, "/_matrix/federation/v1/send/txn1?a=b/", dest, body, s.PublicKey(), ErrSignatureMismatch},
		{"header destination is not us", x, method, uri, "hs3.example", body, s.PublicKey(), ErrDestinationMismatch},
		{"signed for another destination", noDest, method, uri, "hs3.example", body, s.PublicKey(), ErrSignatureMismatch},
		{"wrong content", x, method, uri, dest, []byte(`{"pdus":[],"edus":[]}`), s.PublicKey(), ErrSignatureMismatch},
		{"content dropped", x, method, uri, dest, nil, s.PublicKey(), ErrSignatureMismatch},
		{"wrong key", x, method, uri, dest, body, other.PublicKey(), ErrSignatureMismatch},
		{"wrong origin", wrongOrigin, method, uri, dest, body, s.PublicKey(), ErrSignatureMismatch},
		{"wrong key ID", wrongKeyID, method, uri, dest, body, s.PublicKey(), nil}, // key ID is not signed; the key lookup decides
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyRequest(tt.x, tt.method, tt.uri, tt.dest, tt.body, tt.key)
			if tt.want == nil {
				if err != nil {
					t.Errorf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	// Without a destination in the header, a request signed for us
	// verifies (compatibility with servers before v1.3).
	if err := VerifyRequest(noDest, method, uri, dest, body, s.PublicKey()); err != nil {
		t.Errorf("no destination param: %v", err)
	}
}

func TestHTTPRequestSigning(t *testing.T) {
	s := vectorSigner(t)
	const dest = "hs2.example"
	lookup := func(server, keyID string) (ed25519.PublicKey, error) {
		if server == "domain" && keyID == "ed25519:1" {
			return s.PublicKey(), nil
		}
		return nil, fmt.Errorf("unknown key %s %s", server, keyID)
	}
	type result struct {
		x   XMatrix
		err error
	}
	results := make(chan result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, r.ContentLength)
		_, _ = r.Body.Read(body)
		x, err := VerifyHTTPRequest(r, body, dest, lookup)
		results <- result{x, err}
	}))
	defer srv.Close()
	send := func(method, path string, body []byte, sign func(*http.Request)) result {
		t.Helper()
		var rd *strings.Reader
		if body != nil {
			rd = strings.NewReader(string(body))
		}
		var req *http.Request
		var err error
		if rd != nil {
			req, err = http.NewRequest(method, srv.URL+path, rd)
		} else {
			req, err = http.NewRequest(method, srv.URL+path, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		sign(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-results
	}
	body := []byte(`{"room_version":"12","event":{"a":"<&>"}}`)
	r := send("PUT", "/_matrix/federation/v2/invite/%21r%3Ahs/%24e?x=%2F", body, func(req *http.Request) {
		if err := s.SignHTTPRequest(req, dest, body); err != nil {
			t.Fatal(err)
		}
	})
	if r.err != nil || r.x.Origin != "domain" {
		t.Errorf("signed PUT: %+v", r)
	}
	r = send("GET", "/_matrix/federation/v1/query/profile?user_id=%40a%3Ahs&field=displayname", nil, func(req *http.Request) {
		if err := s.SignHTTPRequest(req, dest, nil); err != nil {
			t.Fatal(err)
		}
	})
	if r.err != nil {
		t.Errorf("signed GET: %v", r.err)
	}
	r = send("GET", "/x", nil, func(req *http.Request) {})
	if !errors.Is(r.err, ErrNoXMatrix) {
		t.Errorf("unsigned: %v", r.err)
	}
	r = send("GET", "/x", nil, func(req *http.Request) {
		_ = s.SignHTTPRequest(req, "someone-else", nil)
	})
	if !errors.Is(r.err, ErrDestinationMismatch) {
		t.Errorf("other destination: %v", r.err)
	}
	r = send("GET", "/x", nil, func(req *http.Request) {
		_ = s.SignHTTPRequest(req, dest, nil)
		req.URL.Path = "/y"
	})
	if !errors.Is(r.err, ErrSignatureMismatch) {
		t.Errorf("path changed after signing: %v", r.err)
	}
	r = send("GET", "/x", nil, func(req *http.Request) {
		req.Header.Set("Authorization", `X-Matrix origin="nobody",key="ed25519:1",sig="abc"`)
	})
	if r.err == nil || !strings.Contains(r.err.Error(), "unknown key") {
		t.Errorf("unknown key: %v", r.err)
	}
}

func TestVerifyHTTPRequestMultipleHeaders(t *testing.T) {
	s1 := vectorSigner(t)
	s2, _ := GenerateSigner("domain", "ed25519:2")
	evil, _ := GenerateSigner("evil", "ed25519:1")
	keys := map[string]ed25519.PublicKey{"domain ed25519:1": s1.PublicKey(), "domain ed25519:2": s2.PublicKey(), "evil ed25519:1": evil.PublicKey()}
	lookup := func(server, keyID string) (ed25519.PublicKey, error) {
		if k, ok := keys[server+" "+keyID]; ok {
			return k, nil
		}
		return nil, errors.New("unknown key")
	}
	req := func(signers ...*Signer) *http.Request {
		r := httptest.NewRequest("GET", "/_matrix/federation/v1/version", nil)
		r.Header.Add("Authorization", "Bearer unrelated")
		for _, s := range signers {
			x, err := s.SignRequest("GET", "/_matrix/federation/v1/version", "hs2", nil)
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Add("Authorization", x.String())
		}
		return r
	}
	if x, err := VerifyHTTPRequest(req(s1, s2), nil, "hs2", lookup); err != nil || x.KeyID != "ed25519:1" {
		t.Errorf("two keys of one origin: %+v, %v", x, err)
	}
	if _, err := VerifyHTTPRequest(req(s1, evil), nil, "hs2", lookup); err == nil || !strings.Contains(err.Error(), "origins") {
		t.Errorf("two origins: %v", err)
	}
	r := req(s1)
	r.Header.Add("Authorization", `x-matrix origin="domain",key="ed25519:2",sig="AAAA"`)
	if _, err := VerifyHTTPRequest(r, nil, "hs2", lookup); !errors.Is(err, ErrBadSignatureEncoding) {
		t.Errorf("one bad header among good: %v", err)
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "X-Matrix\torigin=a,key=k,sig=s")
	if _, err := VerifyHTTPRequest(r, nil, "hs2", lookup); err == nil || errors.Is(err, ErrNoXMatrix) {
		t.Errorf("malformed X-Matrix header should be reported as such: %v", err)
	}
}

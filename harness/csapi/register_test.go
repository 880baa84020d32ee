package csapi

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
)

// Computed independently with:
// printf 'thisisanonce\0alice\0wonderland\0admin' | openssl dgst -sha1 -hmac complement
const (
	macAdmin    = "11c0a28761d410d04d97a6aee94a13a58ebb7118"
	macNotAdmin = "185f73fdd309d10bcf31b242d7ca521c3b1f5abf"
)

func TestSharedSecretMAC(t *testing.T) {
	g := NewWithT(t)
	g.Expect(SharedSecretMAC("complement", "thisisanonce", "alice", "wonderland", true)).To(Equal(macAdmin))
	g.Expect(SharedSecretMAC("complement", "thisisanonce", "alice", "wonderland", false)).To(Equal(macNotAdmin))
}

// sharedSecretServer serves the nonce and accepts a registration whose mac is right.
func sharedSecretServer(t *testing.T) *fakeServer {
	return newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
		switch {
		case s.Method == "GET" && s.Path == "/_synapse/admin/v1/register":
			reply(w, 200, `{"nonce":"thisisanonce"}`)
		case s.Method == "POST" && s.Path == "/_synapse/admin/v1/register":
			var body map[string]any
			json.Unmarshal(s.Body, &body)
			if body["mac"] != macAdmin && body["mac"] != macNotAdmin {
				reply(w, 403, `{"errcode":"M_FORBIDDEN","error":"HMAC incorrect"}`)
				return
			}
			reply(w, 200, `{"user_id":"@alice:hs1","access_token":"tok-alice","device_id":"DEV","home_server":"hs1"}`)
		default:
			reply(w, 404, `{"errcode":"M_UNRECOGNIZED"}`)
		}
	})
}

func TestRegisterShared(t *testing.T) {
	g := NewWithT(t)
	f := sharedSecretServer(t)
	c := New(f.URL).WithToken("someone-elses-token").WithGomega(g)

	alice := c.MustRegisterShared(context.Background(), "complement", "alice", "wonderland", true)
	g.Expect(alice.Session()).To(Equal(Session{UserID: "@alice:hs1", AccessToken: "tok-alice", DeviceID: "DEV"}))

	reqs := f.requests()
	g.Expect(reqs).To(HaveLen(2))
	g.Expect(reqs[0].Method).To(Equal("GET"))
	g.Expect(reqs[0].RequestURI).To(Equal("/_synapse/admin/v1/register"))
	g.Expect(reqs[1].Method).To(Equal("POST"))
	g.Expect(reqs[1].RequestURI).To(Equal("/_synapse/admin/v1/register"))
	g.Expect(reqs[1].Body).To(MatchJSON(`{"nonce":"thisisanonce","username":"alice","password":"wonderland","admin":true,"mac":"` + macAdmin + `"}`))
	for _, r := range reqs {
		g.Expect(r.Header).NotTo(HaveKey("Authorization"))
	}

	res, err := c.RegisterShared(context.Background(), "wrong", "alice", "wonderland", false)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.StatusCode).To(Equal(403))
	g.Expect(f.last().Body).To(MatchJSON(`{"nonce":"thisisanonce","username":"alice","password":"wonderland","admin":false,"mac":"` +
		SharedSecretMAC("wrong", "thisisanonce", "alice", "wonderland", false) + `"}`))
}

func TestRegisterSharedWithoutNonce(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(200, `{}`))
	res, err := New(f.URL).RegisterShared(context.Background(), "s", "alice", "pw", false)
	g.Expect(err).To(MatchError(ContainSubstring("the nonce answer has no nonce")))
	g.Expect(res.Request.Method).To(Equal("GET"))
	g.Expect(f.requests()).To(HaveLen(1))
}

// uiaServer asks for user-interactive auth and accepts m.login.dummy.
func uiaServer(t *testing.T, flows string) *fakeServer {
	return newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
		switch s.Path {
		case "/_matrix/client/v3/register":
			var body struct {
				Auth map[string]any `json:"auth"`
			}
			json.Unmarshal(s.Body, &body)
			if body.Auth["type"] == "m.login.dummy" && body.Auth["session"] == "sess-1" {
				reply(w, 200, `{"user_id":"@bob:hs1","access_token":"tok-bob","device_id":"BOBDEV"}`)
				return
			}
			reply(w, 401, `{"session":"sess-1","flows":`+flows+`,"params":{}}`)
		default:
			reply(w, 404, `{"errcode":"M_UNRECOGNIZED"}`)
		}
	})
}

func TestRegisterCompletesDummyStage(t *testing.T) {
	g := NewWithT(t)
	f := uiaServer(t, `[{"stages":["m.login.recaptcha"]},{"stages":["m.login.dummy"]}]`)

	bob := New(f.URL).WithGomega(g).MustRegister(context.Background(), "bob", "pw")
	g.Expect(bob.Session()).To(Equal(Session{UserID: "@bob:hs1", AccessToken: "tok-bob", DeviceID: "BOBDEV"}))

	reqs := f.requests()
	g.Expect(reqs).To(HaveLen(2))
	g.Expect(reqs[0].Method).To(Equal("POST"))
	g.Expect(reqs[0].Body).To(MatchJSON(`{"username":"bob","password":"pw"}`))
	g.Expect(reqs[1].Body).To(MatchJSON(`{"username":"bob","password":"pw","auth":{"type":"m.login.dummy","session":"sess-1"}}`))
}

func TestRegisterReturnsChallengeItCannotMeet(t *testing.T) {
	g := NewWithT(t)
	f := uiaServer(t, `[{"stages":["m.login.registration_token"]}]`)
	res, err := New(f.URL).Register(context.Background(), "bob", "pw")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.StatusCode).To(Equal(401))
	g.Expect(res.Get("flows.0.stages.0")).To(Equal("m.login.registration_token"))
	g.Expect(f.requests()).To(HaveLen(1))
}

func TestNewUserPrefersSharedSecretAndFallsBack(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()

	shared := sharedSecretServer(t)
	alice, err := New(shared.URL).NewUser(ctx, "complement", "alice", "wonderland")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(alice.UserID).To(Equal("@alice:hs1"))

	open := uiaServer(t, `[{"stages":["m.login.dummy"]}]`)
	bob, err := New(open.URL).NewUser(ctx, "complement", "bob", "pw")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(bob.Session()).To(Equal(Session{UserID: "@bob:hs1", AccessToken: "tok-bob", DeviceID: "BOBDEV"}))
	g.Expect(open.requests()[0].RequestURI).To(Equal("/_synapse/admin/v1/register"))

	closed := uiaServer(t, `[{"stages":["m.login.registration_token"]}]`)
	_, err = New(closed.URL).NewUser(ctx, "complement", "carol", "pw")
	g.Expect(err).To(MatchError(And(ContainSubstring("shared-secret API unavailable"), ContainSubstring("→ 401"))))
}

func TestLogin(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(200, `{"user_id":"@alice:hs1","access_token":"tok2","device_id":"D2"}`))
	alice := New(f.URL).WithGomega(g).MustLogin(context.Background(), "alice", "wonderland")
	g.Expect(alice.Session()).To(Equal(Session{UserID: "@alice:hs1", AccessToken: "tok2", DeviceID: "D2"}))
	s := f.last()
	g.Expect(s.Method).To(Equal("POST"))
	g.Expect(s.RequestURI).To(Equal("/_matrix/client/v3/login"))
	g.Expect(s.Body).To(MatchJSON(`{"type":"m.login.password","identifier":{"type":"m.id.user","user":"alice"},"password":"wonderland"}`))
}

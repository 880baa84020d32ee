package csapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// exchange sends one request to a server answering status and body.
func exchange(t *testing.T, status int, body string, method, path string, opts ...RequestOption) *Response {
	t.Helper()
	f := newFake(t, answerWith(status, body))
	res, err := New(f.URL).WithToken("syt_secret_token_value").Do(context.Background(), method, path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestResponseDecodesWithNumbersIntact(t *testing.T) {
	g := NewWithT(t)
	res := exchange(t, 200, `{"n":9007199254740993,"f":1.50,"a":[{"b":"x"}],"k.dot":{"y":true}}`, "GET", "/x")

	m, err := res.JSON()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(m["n"]).To(Equal(json.Number("9007199254740993")))
	g.Expect(m["f"]).To(Equal(json.Number("1.50")))

	g.Expect(res.Get("a.0.b")).To(Equal("x"))
	g.Expect(res.GetString("a.0.b")).To(Equal("x"))
	g.Expect(res.Get("a.1.b")).To(BeNil())
	g.Expect(res.Get("n.x")).To(BeNil())
	g.Expect(res.Get(`k\.dot.y`)).To(Equal(true))
	g.Expect(res.Get(EscapeKey("k.dot") + ".y")).To(Equal(true))
	g.Expect(res.Field("k.dot", "y")).To(Equal(true))
	g.Expect(res.Errcode()).To(Equal(""))
}

func TestResponseMatrixError(t *testing.T) {
	g := NewWithT(t)
	res := exchange(t, 403, `{"errcode":"M_FORBIDDEN","error":"You are not invited"}`, "POST", "/x")
	g.Expect(res.StatusCode).To(Equal(403))
	g.Expect(res.Errcode()).To(Equal("M_FORBIDDEN"))
	g.Expect(res.ErrorMessage()).To(Equal("You are not invited"))
}

func TestResponseNonJSONBody(t *testing.T) {
	g := NewWithT(t)
	res := exchange(t, 502, `<html>Bad Gateway</html>`, "GET", "/x")
	_, err := res.JSON()
	g.Expect(err).To(MatchError(ContainSubstring("decoding the body of the 502 answer to GET /x as a JSON object")))
	_, err = res.JSONValue()
	g.Expect(err).To(HaveOccurred())
	g.Expect(res.Errcode()).To(BeEmpty())
	g.Expect(res.Get("errcode")).To(BeNil())
	g.Expect(string(res.Body)).To(Equal(`<html>Bad Gateway</html>`))

	for _, body := range []string{``, `null`, `{} {}`, `[1]`} {
		_, err := exchange(t, 200, body, "GET", "/x").JSON()
		g.Expect(err).To(HaveOccurred(), "body %q", body)
	}
}

func TestResponseStringShowsBothSides(t *testing.T) {
	g := NewWithT(t)
	res := exchange(t, 403, "{\n  \"errcode\": \"M_FORBIDDEN\"\n}", "POST", ClientPath("rooms", "!r:hs1", "invite"),
		Body([]byte(`{"user_id":"@bob:hs1"}`)))
	g.Expect(res.String()).To(Equal(`POST /_matrix/client/v3/rooms/%21r:hs1/invite {"user_id":"@bob:hs1"} → 403 {"errcode":"M_FORBIDDEN"}`))

	get := exchange(t, 200, ``, "GET", "/x")
	g.Expect(get.String()).To(Equal(`GET /x → 200`))
}

func TestResponseStringShortensLongAndBinaryBodies(t *testing.T) {
	g := NewWithT(t)
	long := `{"k":"` + strings.Repeat("é", 5000) + `"}`
	res := exchange(t, 200, long, "POST", "/x", Body([]byte("\x00\xffbinary")))
	s := res.String()
	g.Expect(len(s)).To(BeNumerically("<", 500))
	g.Expect(s).To(MatchRegexp(`… \(\d+ more bytes\)$`))
	g.Expect(s).To(ContainSubstring(`"\x00\xffbinary"`))

	d := res.Dump()
	g.Expect(len(d)).To(BeNumerically("<", 6000))
	g.Expect(d).To(ContainSubstring("more bytes"))
}

func TestResponseDumpRedactsCredentials(t *testing.T) {
	g := NewWithT(t)
	res := exchange(t, 401, `{"errcode":"M_UNKNOWN_TOKEN"}`, "GET", "/x?access_token=syt_query_token_value")
	d := res.Dump()
	g.Expect(d).To(ContainSubstring("sent:     GET http://127.0.0.1:"))
	g.Expect(d).To(ContainSubstring("Authorization: Bearer syt_secr…"))
	g.Expect(d).To(ContainSubstring("access_token=syt_quer%E2%80%A6"))
	g.Expect(d).NotTo(ContainSubstring("syt_secret_token_value"))
	g.Expect(d).NotTo(ContainSubstring("syt_query_token_value"))
	g.Expect(d).To(ContainSubstring("received: 401 Unauthorized"))
	g.Expect(d).To(ContainSubstring("Content-Type: application/json"))
	g.Expect(d).To(ContainSubstring(`{"errcode":"M_UNKNOWN_TOKEN"}`))
	g.Expect(res.String()).NotTo(ContainSubstring("syt_query_token_value"))
	g.Expect(res.GomegaString()).To(Equal(d))
}

func TestEventKeepsRawBytes(t *testing.T) {
	g := NewWithT(t)
	raw := `{ "type":"m.room.member","state_key":"@b:hs1", "sender":"@a:hs1","event_id":"$e","room_id":"!r:hs1",
		"content":{"membership":"invite","n":12345678901234567890}}`
	ev, err := ParseEvent([]byte(raw))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(ev.Raw)).To(Equal(raw))
	g.Expect(ev.Type()).To(Equal("m.room.member"))
	g.Expect(ev.IsState()).To(BeTrue())
	g.Expect(ev.StateKey()).To(Equal("@b:hs1"))
	g.Expect(ev.Sender()).To(Equal("@a:hs1"))
	g.Expect(ev.ID()).To(Equal("$e"))
	g.Expect(ev.RoomID()).To(Equal("!r:hs1"))
	g.Expect(ev.Membership()).To(Equal("invite"))
	g.Expect(ev.Content()).To(HaveKeyWithValue("n", json.Number("12345678901234567890")))
	g.Expect(ev.Get("content.membership")).To(Equal("invite"))
	g.Expect(ev.String()).To(Equal(raw))

	msg, _ := ParseEvent([]byte(`{"type":"m.room.message","content":{}}`))
	g.Expect(msg.IsState()).To(BeFalse())

	bad, err := ParseEvent([]byte(`[1]`))
	g.Expect(err).To(HaveOccurred())
	g.Expect(bad.Type()).To(BeEmpty())
	g.Expect(string(bad.Raw)).To(Equal(`[1]`))
}

func TestSplitPath(t *testing.T) {
	g := NewWithT(t)
	g.Expect(splitPath("a.b.c")).To(Equal([]string{"a", "b", "c"}))
	g.Expect(splitPath(`rooms.join.!r:host\.docker\.internal.x`)).To(Equal([]string{"rooms", "join", "!r:host.docker.internal", "x"}))
	g.Expect(splitPath(`a\\.b`)).To(Equal([]string{`a\`, "b"}))
	g.Expect(splitPath("")).To(BeNil())
	g.Expect(splitPath(EscapeKey(`x.y\z`))).To(Equal([]string{`x.y\z`}))
}

package csapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

const (
	room     = "!r/oom:hs1"
	roomPath = "/_matrix/client/v3/rooms/%21r%2Foom:hs1"
)

// TestHelpersSendTheRightRequest checks, for each raw helper, the request the
// server received: method, escaped path and query, JSON body, auth header.
func TestHelpersSendTheRightRequest(t *testing.T) {
	cases := []struct {
		name   string
		call   func(context.Context, *Client) (*Response, error)
		method string
		uri    string
		body   string // "" when no body is expected
	}{
		{"CreateRoom without options",
			func(ctx context.Context, c *Client) (*Response, error) { return c.CreateRoom(ctx) },
			"POST", "/_matrix/client/v3/createRoom", `{}`},
		{"CreateRoom with every option",
			func(ctx context.Context, c *Client) (*Response, error) {
				return c.CreateRoom(ctx,
					RoomVersion("1"), Preset(PresetPrivateChat), Name("Tea"), Topic("Leaves"),
					Invite("@b:hs1"), Invite("@c:hs2"), IsDirect(), RoomAliasName("tea"), Visibility("public"),
					InitialState("m.room.join_rules", "", map[string]any{"join_rule": "invite"}),
					InitialState("m.custom", "k", map[string]any{"v": 1}),
					CreationContent(map[string]any{"m.federate": false}), CreationContent(map[string]any{"type": "x"}),
					PowerLevelOverride(map[string]any{"invite": 50}),
					CreateRoomField("extra", []int{1}))
			},
			"POST", "/_matrix/client/v3/createRoom", `{
				"room_version":"1","preset":"private_chat","name":"Tea","topic":"Leaves",
				"invite":["@b:hs1","@c:hs2"],"is_direct":true,"room_alias_name":"tea","visibility":"public",
				"initial_state":[
					{"type":"m.room.join_rules","state_key":"","content":{"join_rule":"invite"}},
					{"type":"m.custom","state_key":"k","content":{"v":1}}],
				"creation_content":{"m.federate":false,"type":"x"},
				"power_level_content_override":{"invite":50},
				"extra":[1]}`},
		{"Invite",
			func(ctx context.Context, c *Client) (*Response, error) {
				return c.Invite(ctx, room, "@bob:hs1", Reason("welcome"))
			},
			"POST", roomPath + "/invite", `{"user_id":"@bob:hs1","reason":"welcome"}`},
		{"InviteBody sends bytes as they are",
			func(ctx context.Context, c *Client) (*Response, error) {
				return c.InviteBody(ctx, room, []byte(`{"id_server":"is.example","medium":"email","address":"a@b.c","id_access_token":"t"}`))
			},
			"POST", roomPath + "/invite", `{"id_server":"is.example","medium":"email","address":"a@b.c","id_access_token":"t"}`},
		{"Join by alias via servers",
			func(ctx context.Context, c *Client) (*Response, error) {
				return c.Join(ctx, "#tea:hs2", Via("hs2", "hs3"), Reason("hi"))
			},
			"POST", "/_matrix/client/v3/join/%23tea:hs2?server_name=hs2&server_name=hs3&via=hs2&via=hs3", `{"reason":"hi"}`},
		{"Join with third_party_signed",
			func(ctx context.Context, c *Client) (*Response, error) {
				return c.Join(ctx, room, ThirdPartySigned(map[string]any{"sender": "@a:hs1", "mxid": "@b:hs1", "token": "tk",
					"signatures": map[string]any{"is.example": map[string]any{"ed25519:0": "sig"}}}))
			},
			"POST", "/_matrix/client/v3/join/%21r%2Foom:hs1",
			`{"third_party_signed":{"sender":"@a:hs1","mxid":"@b:hs1","token":"tk","signatures":{"is.example":{"ed25519:0":"sig"}}}}`},
		{"JoinRoomByID",
			func(ctx context.Context, c *Client) (*Response, error) { return c.JoinRoomByID(ctx, room) },
			"POST", roomPath + "/join", `{}`},
		{"Leave",
			func(ctx context.Context, c *Client) (*Response, error) { return c.Leave(ctx, room, Reason("bye")) },
			"POST", roomPath + "/leave", `{"reason":"bye"}`},
		{"Kick",
			func(ctx context.Context, c *Client) (*Response, error) {
				return c.Kick(ctx, room, "@bob:hs1", MembershipField("reason", 7))
			},
			"POST", roomPath + "/kick", `{"user_id":"@bob:hs1","reason":7}`},
		{"Ban",
			func(ctx context.Context, c *Client) (*Response, error) { return c.Ban(ctx, room, "@bob:hs1") },
			"POST", roomPath + "/ban", `{"user_id":"@bob:hs1"}`},
		{"Unban",
			func(ctx context.Context, c *Client) (*Response, error) { return c.Unban(ctx, room, "@bob:hs1") },
			"POST", roomPath + "/unban", `{"user_id":"@bob:hs1"}`},
		{"State",
			func(ctx context.Context, c *Client) (*Response, error) { return c.State(ctx, room) },
			"GET", roomPath + "/state", ""},
		{"StateEvent with an empty state key",
			func(ctx context.Context, c *Client) (*Response, error) {
				return c.StateEvent(ctx, room, "m.room.create", "")
			},
			"GET", roomPath + "/state/m.room.create/", ""},
		{"StateEvent escapes type and key",
			func(ctx context.Context, c *Client) (*Response, error) {
				return c.StateEvent(ctx, room, "my type/1", "@b?o#b:hs1")
			},
			"GET", roomPath + "/state/my%20type%2F1/@b%3Fo%23b:hs1", ""},
		{"SendState",
			func(ctx context.Context, c *Client) (*Response, error) {
				return c.SendState(ctx, room, "m.room.name", "", map[string]any{"name": "Tea"})
			},
			"PUT", roomPath + "/state/m.room.name/", `{"name":"Tea"}`},
		{"Members",
			func(ctx context.Context, c *Client) (*Response, error) { return c.Members(ctx, room) },
			"GET", roomPath + "/members", ""},
		{"JoinedRooms",
			func(ctx context.Context, c *Client) (*Response, error) { return c.JoinedRooms(ctx) },
			"GET", "/_matrix/client/v3/joined_rooms", ""},
		{"Capabilities",
			func(ctx context.Context, c *Client) (*Response, error) { return c.Capabilities(ctx) },
			"GET", "/_matrix/client/v3/capabilities", ""},
		{"Versions",
			func(ctx context.Context, c *Client) (*Response, error) { return c.Versions(ctx) },
			"GET", "/_matrix/client/versions", ""},
		{"Whoami",
			func(ctx context.Context, c *Client) (*Response, error) { return c.Whoami(ctx) },
			"GET", "/_matrix/client/v3/account/whoami", ""},
		{"Sync with every parameter",
			func(ctx context.Context, c *Client) (*Response, error) {
				return c.Sync(ctx, SyncRequest{Since: "s 1", Filter: `{"room":{}}`, Timeout: 1500e6, FullState: true, SetPresence: "offline"})
			},
			"GET", "/_matrix/client/v3/sync?filter=%7B%22room%22%3A%7B%7D%7D&full_state=true&set_presence=offline&since=s+1&timeout=1500", ""},
		{"Sync with none",
			func(ctx context.Context, c *Client) (*Response, error) { return c.Sync(ctx, SyncRequest{}) },
			"GET", "/_matrix/client/v3/sync?timeout=0", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			f := newFake(t, answerWith(200, `{}`))
			c := New(f.URL).WithSession(Session{UserID: "@alice:hs1", AccessToken: "tok-alice"})
			res, err := tc.call(context.Background(), c)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.StatusCode).To(Equal(200))

			g.Expect(f.requests()).To(HaveLen(1))
			s := f.last()
			g.Expect(s.Method).To(Equal(tc.method))
			g.Expect(s.RequestURI).To(Equal(tc.uri))
			g.Expect(s.Header.Get("Authorization")).To(Equal("Bearer tok-alice"))
			if tc.body == "" {
				g.Expect(s.HasBody).To(BeFalse(), "body %q", s.Body)
			} else {
				g.Expect(s.Body).To(MatchJSON(tc.body))
				g.Expect(s.Header.Get("Content-Type")).To(Equal("application/json"))
			}
		})
	}
}

func TestSendEventUsesFreshTransactionIDs(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(200, `{"event_id":"$ev"}`))
	c := New(f.URL).WithGomega(g)
	ctx := context.Background()
	g.Expect(c.MustSendEvent(ctx, room, "m.room.message", map[string]any{"body": "hi"})).To(Equal("$ev"))
	g.Expect(c.MustSendEvent(ctx, room, "m.room.message", map[string]any{"body": "hi"})).To(Equal("$ev"))

	reqs := f.requests()
	prefix := roomPath + "/send/m.room.message/"
	g.Expect(reqs[0].Method).To(Equal("PUT"))
	g.Expect(reqs[0].RequestURI).To(HavePrefix(prefix))
	g.Expect(reqs[1].RequestURI).To(HavePrefix(prefix))
	g.Expect(reqs[0].RequestURI).NotTo(Equal(reqs[1].RequestURI))
	g.Expect(strings.TrimPrefix(reqs[0].RequestURI, prefix)).NotTo(ContainSubstring("/"))
	g.Expect(reqs[0].Body).To(MatchJSON(`{"body":"hi"}`))
}

// routes answers by "METHOD path" (unescaped path).
func routes(m map[string]string) func(http.ResponseWriter, *http.Request, seen) {
	return func(w http.ResponseWriter, _ *http.Request, s seen) {
		if body, ok := m[s.Method+" "+s.Path]; ok {
			reply(w, 200, body)
			return
		}
		reply(w, 404, `{"errcode":"M_UNRECOGNIZED"}`)
	}
}

func TestMustHelpersReturnTypedResults(t *testing.T) {
	g := NewWithT(t)
	r := "/_matrix/client/v3/rooms/" + room
	stateEvent := `{"type":"m.room.create", "state_key":"","content":{"room_version":"1"},"sender":"@a:hs1"}`
	f := newFake(t, routes(map[string]string{
		"POST /_matrix/client/v3/createRoom":    `{"room_id":"!new:hs1"}`,
		"POST /_matrix/client/v3/join/#tea:hs2": `{"room_id":"!tea:hs2"}`,
		"POST " + r + "/join":                   `{"room_id":"` + room + `"}`,
		"POST " + r + "/invite":                 `{}`,
		"POST " + r + "/leave":                  `{}`,
		"POST " + r + "/kick":                   `{}`,
		"POST " + r + "/ban":                    `{}`,
		"POST " + r + "/unban":                  `{}`,
		"GET " + r + "/state":                   `[` + stateEvent + `]`,
		"GET " + r + "/state/m.room.name/":      `{"name":"Tea","n":1}`,
		"PUT " + r + "/state/m.room.name/":      `{"event_id":"$name"}`,
		"GET " + r + "/members":                 `{"chunk":[{"type":"m.room.member","state_key":"@a:hs1","content":{"membership":"join"}}]}`,
		"GET /_matrix/client/v3/joined_rooms":   `{"joined_rooms":["!a:hs1","!b:hs1"]}`,
		"GET /_matrix/client/versions":          `{"versions":["v1.11","v1.12"],"unstable_features":{"org.x":true}}`,
		"GET /_matrix/client/v3/account/whoami": `{"user_id":"@a:hs1","device_id":"D"}`,
		"GET /_matrix/client/v3/capabilities":   `{"capabilities":{"m.room_versions":{"default":"10","available":{"1":"stable","10":"stable","2":"stable","org.matrix.msc":"unstable","9":"stable"}},"m.change_password":{"enabled":false}}}`,
		"GET /_matrix/client/v3/sync":           `{"next_batch":"s1"}`,
	}))
	c := New(f.URL).WithGomega(g)
	ctx := context.Background()

	g.Expect(c.MustCreateRoom(ctx)).To(Equal("!new:hs1"))
	g.Expect(c.MustJoin(ctx, "#tea:hs2")).To(Equal("!tea:hs2"))
	g.Expect(c.MustJoinRoomByID(ctx, room)).To(Equal(room))
	c.MustInvite(ctx, room, "@b:hs1")
	c.MustLeave(ctx, room)
	c.MustKick(ctx, room, "@b:hs1")
	c.MustBan(ctx, room, "@b:hs1")
	c.MustUnban(ctx, room, "@b:hs1")

	state := c.MustState(ctx, room)
	g.Expect(state).To(HaveLen(1))
	g.Expect(string(state[0].Raw)).To(Equal(stateEvent))
	g.Expect(state[0].Type()).To(Equal("m.room.create"))

	g.Expect(c.MustStateEvent(ctx, room, "m.room.name", "")).To(Equal(map[string]any{"name": "Tea", "n": json.Number("1")}))
	g.Expect(c.MustSendState(ctx, room, "m.room.name", "", map[string]any{"name": "Tea"})).To(Equal("$name"))

	members := c.MustMembers(ctx, room)
	g.Expect(members).To(HaveLen(1))
	g.Expect(members[0].Membership()).To(Equal("join"))

	g.Expect(c.MustJoinedRooms(ctx)).To(Equal([]string{"!a:hs1", "!b:hs1"}))
	g.Expect(c.MustVersions(ctx)).To(Equal(Versions{Versions: []string{"v1.11", "v1.12"}, UnstableFeatures: map[string]bool{"org.x": true}}))
	g.Expect(c.MustWhoami(ctx)).To(Equal(Whoami{UserID: "@a:hs1", DeviceID: "D"}))

	caps := c.MustCapabilities(ctx)
	g.Expect(caps.RoomVersions.Default).To(Equal("10"))
	g.Expect(caps.RoomVersions.Available).To(HaveKeyWithValue("org.matrix.msc", "unstable"))
	g.Expect(caps.RoomVersions.Stable()).To(Equal([]string{"1", "2", "9", "10"}))
	g.Expect(caps.All).To(HaveKey("m.change_password"))

	sr := c.MustSync(ctx, SyncRequest{})
	g.Expect(sr.NextBatch).To(Equal("s1"))
}

func TestParseCapabilitiesWithoutRoomVersions(t *testing.T) {
	g := NewWithT(t)
	caps, err := ParseCapabilities(exchange(t, 200, `{"capabilities":{}}`, "GET", "/c"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(caps.RoomVersions.Default).To(BeEmpty())
	g.Expect(caps.RoomVersions.Stable()).To(BeEmpty())

	_, err = ParseCapabilities(exchange(t, 200, `{}`, "GET", "/c"))
	g.Expect(err).To(MatchError(ContainSubstring("has no capabilities object")))
}

func TestCapabilityEnabled(t *testing.T) {
	g := NewWithT(t)
	caps, err := ParseCapabilities(exchange(t, 200, `{"capabilities":{
		"m.forget_forced_upon_leave":{"enabled":true},
		"m.change_password":{"enabled":false},
		"m.quoted":{"enabled":"true"},
		"m.flat":true,
		"m.empty":{}}}`, "GET", "/c"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(caps.Enabled("m.forget_forced_upon_leave")).To(BeTrue())
	for _, off := range []string{"m.change_password", "m.quoted", "m.flat", "m.empty", "m.absent"} {
		g.Expect(caps.Enabled(off)).To(BeFalse(), off)
	}
}

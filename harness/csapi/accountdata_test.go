package csapi

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
)

func TestAccountDataHelpersSendTheRightRequest(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(200, `{}`))
	c := New(f.URL).WithSession(Session{UserID: "@a/li?ce:hs1", AccessToken: "tok"}).WithGomega(g)
	ctx := context.Background()

	c.MustSetAccountData(ctx, "m.invite_permission_config", map[string]any{"default_action": "block"})
	s := f.last()
	g.Expect(s.Method).To(Equal("PUT"))
	g.Expect(s.RequestURI).To(Equal("/_matrix/client/v3/user/@a%2Fli%3Fce:hs1/account_data/m.invite_permission_config"))
	g.Expect(s.Body).To(MatchJSON(`{"default_action":"block"}`))
	g.Expect(s.Header.Get("Authorization")).To(Equal("Bearer tok"))

	_, err := c.SetAccountData(ctx, "m.invite_permission_config", []byte(`{}`))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.last().Body).To(Equal([]byte(`{}`)))

	res, err := c.AccountData(ctx, "m.invite_permission_config")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.StatusCode).To(Equal(200))
	g.Expect(f.last().Method).To(Equal("GET"))
	g.Expect(f.last().RequestURI).To(Equal("/_matrix/client/v3/user/@a%2Fli%3Fce:hs1/account_data/m.invite_permission_config"))
	g.Expect(f.last().HasBody).To(BeFalse())
}

func TestMustSetAccountDataFailsOnARefusal(t *testing.T) {
	g := NewWithT(t)
	rec, failures := recordingGomega()
	f := newFake(t, answerWith(403, `{"errcode":"M_FORBIDDEN","error":"Cannot add account data for other users."}`))
	New(f.URL).WithSession(Session{UserID: "@a:hs1", AccessToken: "tok"}).WithGomega(rec).
		MustSetAccountData(context.Background(), "m.invite_permission_config", map[string]any{})
	g.Expect(failures()).To(HaveLen(1))
	g.Expect(failures()[0]).To(HavePrefix("@a:hs1 setting account data m.invite_permission_config: expected 200"))
	g.Expect(failures()[0]).To(ContainSubstring("M_FORBIDDEN"))
}

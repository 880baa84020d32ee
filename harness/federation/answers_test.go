package federation

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/onsi/gomega"

	"herald/harness/matrix"
)

func TestScriptedAnswers(t *testing.T) {
	rv := matrix.MustRoomVersion("10")
	cases := []struct {
		name   string
		script Handler
		check  func(t *testing.T, res *Response, sender *Server)
	}{
		{"a Matrix error", Status(404, "M_UNRECOGNIZED"), func(t *testing.T, res *Response, _ *Server) {
			if res.StatusCode != 404 || res.Errcode() != "M_UNRECOGNIZED" {
				t.Errorf("got %v", res)
			}
		}},
		{"an empty 404", Raw(404, nil), func(t *testing.T, res *Response, _ *Server) {
			if res.StatusCode != 404 || len(res.Body) != 0 || res.Header.Get("Content-Type") != "" {
				t.Errorf("got %v", res)
			}
		}},
		{"a plain 400 with exact bytes", Raw(400, []byte("not json"), "Content-Type", "text/plain"), func(t *testing.T, res *Response, _ *Server) {
			if res.StatusCode != 400 || string(res.Body) != "not json" || res.Header.Get("Content-Type") != "text/plain" {
				t.Errorf("got %v", res)
			}
		}},
		{"a 403 M_FORBIDDEN", Status(http.StatusForbidden, "M_FORBIDDEN"), func(t *testing.T, res *Response, _ *Server) {
			if res.StatusCode != 403 || res.Errcode() != "M_FORBIDDEN" {
				t.Errorf("got %v", res)
			}
		}},
		{"the invite with a changed field", ModifyEvent(func(ev matrix.Object) { ev["origin_server_ts"] = 42 }), func(t *testing.T, res *Response, sender *Server) {
			ev, err := res.Event()
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("%v %v", err, res)
			}
			if n, _ := ev.GetInt("origin_server_ts"); n != 42 {
				t.Errorf("origin_server_ts is %d", n)
			}
			// The sender notices: the returned event is not the one it sent.
			hasProblem(t, sender, "the returned invite has the sent event ID")
		}},
		{"the default after a failure", Sequence(Status(500, "M_UNKNOWN"), Default()), func(t *testing.T, res *Response, _ *Server) {
			if res.StatusCode != 500 {
				t.Errorf("first answer %d", res.StatusCode)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			receiver, sender := pair(t, []Option{Answer(InviteV2, c.script)}, nil)
			alice := sender.User("alice")
			room := sender.CreateRoom(rv, alice)
			res, err := sender.SendInviteV2(t.Context(), room.InviteEvent(alice, receiver.User("bob")))
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, res, sender)
			reqs := receiver.Journal.RequestsTo(InviteV2)
			if len(reqs) != 1 || !reqs[0].Scripted {
				t.Errorf("the journal should show one scripted invite: %v", reqs)
			}
		})
	}
}

func TestSequenceThenDefault(t *testing.T) {
	receiver, sender := pair(t, []Option{Answer(InviteV2, Sequence(Status(500, "M_UNKNOWN"), Default()))}, nil)
	alice := sender.User("alice")
	room := sender.CreateRoom(matrix.MustRoomVersion("9"), alice)
	invite := room.InviteEvent(alice, receiver.User("bob"))
	first, _ := sender.SendInviteV2(t.Context(), invite)
	second, _ := sender.SendInviteV2(t.Context(), invite)
	if first.StatusCode != 500 || second.StatusCode != 200 {
		t.Errorf("want 500 then 200, got %d then %d", first.StatusCode, second.StatusCode)
	}
	receiver.Unscript(InviteV2)
	noProblems(t, receiver)
}

func TestJournalOrderAndMatchers(t *testing.T) {
	g := gomega.NewWithT(t)
	receiver, sender := pair(t, []Option{Answer(InviteV2, Status(404, "M_UNRECOGNIZED"))}, nil)
	alice := sender.User("alice")
	room := sender.CreateRoom(matrix.MustRoomVersion("1"), alice)
	invite := room.InviteEvent(alice, receiver.User("bob"))

	// The sender falls back from v2 to v1, as a v1 room allows.
	res, _ := sender.SendInviteV2(t.Context(), invite)
	g.Expect(res.StatusCode).To(gomega.Equal(404))
	res, _ = sender.SendInviteV1(t.Context(), invite)
	g.Expect(res.StatusCode).To(gomega.Equal(200))

	g.Expect(receiver.Journal.Requests()).To(gomega.ContainElement(RequestTo(InviteV1)))
	g.Expect(receiver.Journal.Requests()).To(ContainInOrder(RequestTo(InviteV2), RequestTo(InviteV1)))
	g.Expect(receiver.Journal.Requests()).NotTo(ContainInOrder(RequestTo(InviteV1), RequestTo(InviteV2)))
	g.Expect(sender.Journal.Sent()).To(ContainInOrder(CallTo(InviteV2), CallTo(InviteV1)))
	g.Eventually(t.Context(), receiver.Journal.Requests).Should(gomega.ContainElement(RequestTo(InviteV1)))

	seqs := []int{}
	for _, e := range receiver.Journal.Exchanges() {
		seqs = append(seqs, e.Seq)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Errorf("exchanges out of order: %v", seqs)
		}
	}
	// The failure message names what was missing and lists the journal.
	m := ContainInOrder(RequestTo(InviteV1), RequestTo(InviteV2))
	ok, _ := m.Match(receiver.Journal.Requests())
	g.Expect(ok).To(gomega.BeFalse())
	g.Expect(m.FailureMessage(receiver.Journal.Requests())).To(gomega.And(
		gomega.ContainSubstring("invite v1"), gomega.ContainSubstring("found the first 1")))
	g.Expect(receiver.Journal.Transcript()).To(gomega.ContainSubstring("✓ X-Matrix signature verifies"))
}

func TestWaitForBlocksUntilTheRequestIsAnswered(t *testing.T) {
	receiver, sender, room, alice := pairWithRoom(t, matrix.MustRoomVersion("11"))
	done := make(chan Exchange, 1)
	go func() {
		e, err := receiver.Journal.WaitFor(t.Context(), InviteV2)
		if err != nil {
			t.Error(err)
		}
		done <- e
	}()
	if _, err := sender.SendInviteV2(t.Context(), room.InviteEvent(alice, receiver.User("bob"))); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-done:
		if e.Status != 200 || e.Route != InviteV2 {
			t.Errorf("WaitFor returned %v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitFor did not return")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := receiver.Journal.WaitFor(ctx, MakeJoin); err == nil {
		t.Error("WaitFor for a request that never comes should fail when ctx ends")
	}
}

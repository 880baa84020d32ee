package federation

import (
	"context"
	"net/http"
	"testing"
	"time"

	"herald/harness/matrix"
)

func TestSettleWaitsForExchangesInProgress(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	receiver, sender := pair(t, []Option{Answer(Version, func(r *Request) *Reply {
		close(started)
		<-release
		return r.Default()
	})}, nil)

	done := make(chan error, 1)
	go func() {
		_, err := sender.Raw(context.Background(), http.MethodGet, "/_matrix/federation/v1/version", nil)
		done <- err
	}()
	<-started

	short, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := receiver.Journal.Settle(short); err == nil {
		t.Fatal("Settle returned while a request was still being answered")
	}
	if n := len(receiver.Journal.RequestsTo(Version)); n != 0 {
		t.Fatalf("the journal already holds %d version requests", n)
	}

	close(release)
	if err := receiver.Journal.Settle(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(receiver.Journal.RequestsTo(Version)); n != 1 {
		t.Errorf("after Settle the journal holds %d version requests, want 1", n)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := sender.Journal.Settle(t.Context()); err != nil {
		t.Errorf("the sender's journal does not settle: %v", err)
	}
}

func TestSignTemplateReplacesTheResidentsEventID(t *testing.T) {
	s := start(t)
	for _, ver := range []string{"1", "2", "3", "12"} {
		carol := s.User("carol")
		body := `{"room_version":"` + ver + `","event":{"type":"m.room.member","state_key":"` + carol + `","sender":"` + carol + `",` +
			`"room_id":"!r:resident","content":{"membership":"join"},"origin_server_ts":1,"depth":3,"prev_events":[],"auth_events":[],` +
			`"event_id":"$template:resident"}}`
		ev, err := s.SignTemplate(&Response{StatusCode: 200, Body: []byte(body)})
		if err != nil {
			t.Fatalf("v%s: %v", ver, err)
		}
		if ev.Version.EventIDFormat != matrix.EventIDOpaque {
			continue
		}
		if server, _ := matrix.ServerNameOf(ev.ID); server != s.Name() {
			t.Errorf("v%s: the signed join has ID %s, want one of the mock's domain %s", ver, ev.ID, s.Name())
		}
		signers, err := ev.Version.RequiredSigners(ev.Fields)
		if err != nil || len(signers) != 1 {
			t.Errorf("v%s: the join needs signatures of %v (%v), want the sender's server only", ver, signers, err)
		}
	}
}

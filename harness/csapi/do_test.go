package csapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestPathEscapesEachSegment(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Path("_matrix", "client", "v3", "rooms", "!r:hs1", "state", "m.room.member", "@b/ob:hs1")).
		To(Equal("/_matrix/client/v3/rooms/%21r:hs1/state/m.room.member/@b%2Fob:hs1"))
	g.Expect(ClientPath("rooms", "!r:hs1", "state", "m.room.name", "")).
		To(Equal("/_matrix/client/v3/rooms/%21r:hs1/state/m.room.name/"))
	g.Expect(ClientPath("rooms", "!a b?c#d%e", "send", "x", "1")).
		To(Equal("/_matrix/client/v3/rooms/%21a%20b%3Fc%23d%25e/send/x/1"))
	g.Expect(Path()).To(Equal("/"))
}

func TestDoSendsRawBytesAsGiven(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(200, `{}`))
	c := New(f.URL).WithSession(Session{UserID: "@alice:hs1", AccessToken: "tok-alice"})

	res, err := c.Do(context.Background(), "PUT",
		ClientPath("rooms", "!r:hs1", "state", "m.x/y", "@b/ob:hs1")+"?a=1",
		Body([]byte(`{"broken":`)), Query("b", "2", "3"), Header("X-Extra", "yes"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.StatusCode).To(Equal(200))

	s := f.last()
	g.Expect(s.Method).To(Equal("PUT"))
	g.Expect(s.RequestURI).To(Equal("/_matrix/client/v3/rooms/%21r:hs1/state/m.x%2Fy/@b%2Fob:hs1?a=1&b=2&b=3"))
	g.Expect(s.Path).To(Equal("/_matrix/client/v3/rooms/!r:hs1/state/m.x/y/@b/ob:hs1"))
	g.Expect(string(s.Body)).To(Equal(`{"broken":`))
	g.Expect(s.Header.Get("Authorization")).To(Equal("Bearer tok-alice"))
	g.Expect(s.Header.Get("Content-Type")).To(Equal("application/json"))
	g.Expect(s.Header.Get("User-Agent")).To(Equal("herald"))
	g.Expect(s.Header.Get("X-Extra")).To(Equal("yes"))

	g.Expect(res.Request.Method).To(Equal("PUT"))
	g.Expect(res.Request.URL).To(Equal(f.URL + s.RequestURI))
	g.Expect(string(res.Request.Body)).To(Equal(`{"broken":`))
}

func TestDoHeaderControl(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(200, `{}`))
	c := New(f.URL).WithToken("tok")
	ctx := context.Background()

	_, err := c.Do(ctx, "POST", "/x", Body([]byte("a")), Header("Content-Type", ""), Header("User-Agent", ""))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.last().Header).NotTo(HaveKey("Content-Type"))
	g.Expect(f.last().Header).NotTo(HaveKey("User-Agent"))
	g.Expect(f.last().Header.Get("Authorization")).To(Equal("Bearer tok"))

	_, err = c.Do(ctx, "GET", "/x", Header("Authorization", "Bearer other"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.last().Header.Values("Authorization")).To(Equal([]string{"Bearer other"}))

	_, err = c.Do(ctx, "GET", "/x", WithoutAuth())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.last().Header).NotTo(HaveKey("Authorization"))

	_, err = c.Do(ctx, "GET", "/x", Header("Authorization", ""))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.last().Header).NotTo(HaveKey("Authorization"))

	_, err = c.Do(ctx, "POST", "/x")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.last().HasBody).To(BeFalse())
	g.Expect(f.last().Header).NotTo(HaveKey("Content-Type"))
}

func TestDoJSONBodyDoesNotEscapeHTML(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(200, `{}`))
	_, err := New(f.URL).Do(context.Background(), "POST", "/x", JSONBody(map[string]string{"k": "<&>"}))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(f.last().Body)).To(Equal(`{"k":"<&>"}`))

	_, err = New(f.URL).Do(context.Background(), "POST", "/x", JSONBody(func() {}))
	g.Expect(err).To(MatchError(ContainSubstring("POST /x: encoding request body")))
}

func TestDoBaseURLWithPathPrefix(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(200, `{}`))
	_, err := New(f.URL+"/prefix/").Do(context.Background(), "GET", ClientPath("rooms", "!r:hs1"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.last().RequestURI).To(Equal("/prefix/_matrix/client/v3/rooms/%21r:hs1"))
}

func TestDoKeepsADoubleSlashInThePath(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(200, `{}`))
	_, err := New(f.URL).Do(context.Background(), "GET", Path("", "x"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.last().RequestURI).To(Equal("//x"))
}

func TestDoBadBaseURL(t *testing.T) {
	g := NewWithT(t)
	_, err := New("127.0.0.1:8008").Do(context.Background(), "GET", "/x")
	g.Expect(err).To(MatchError(ContainSubstring("bad base URL")))
}

func TestDoDoesNotFollowRedirects(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ seen) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	res, err := New(f.URL).Do(context.Background(), "GET", "/x")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.StatusCode).To(Equal(http.StatusFound))
	g.Expect(f.requests()).To(HaveLen(1))
}

func TestDoConnectionRefused(t *testing.T) {
	g := NewWithT(t)
	base := refusedURL(t)
	res, err := New(base).Do(context.Background(), "POST", ClientPath("createRoom"), JSONBody(map[string]any{}))
	g.Expect(res).To(BeNil())
	g.Expect(errors.Is(err, syscall.ECONNREFUSED)).To(BeTrue(), "error: %v", err)
	g.Expect(err.Error()).To(HavePrefix("POST " + base + "/_matrix/client/v3/createRoom: "))
}

func TestDoReturnsAtContextDeadlineWhenServerNeverAnswers(t *testing.T) {
	g := NewWithT(t)
	c := New(silentServer(t))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()

	start := time.Now()
	_, err := c.Do(ctx, "GET", ClientPath("sync"))
	g.Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
	g.Expect(errors.Is(err, context.DeadlineExceeded)).To(BeTrue(), "error: %v", err)
	g.Expect(err.Error()).To(ContainSubstring("GET " + c.BaseURL() + "/_matrix/client/v3/sync: no answer before the context ended"))
}

func TestDoRequestTimeout(t *testing.T) {
	g := NewWithT(t)
	c := New(silentServer(t), WithRequestTimeout(100*time.Millisecond))

	start := time.Now()
	_, err := c.Do(context.Background(), "GET", "/slow")
	g.Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
	g.Expect(errors.Is(err, context.DeadlineExceeded)).To(BeTrue(), "error: %v", err)
	g.Expect(err.Error()).To(ContainSubstring("no answer within the request timeout of 100ms"))

	// A per-request Timeout(0) lifts the client's bound; the context still applies.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = c.Do(ctx, "GET", "/slow", Timeout(0))
	g.Expect(time.Since(start)).To(BeNumerically(">=", 250*time.Millisecond))
	g.Expect(err).To(MatchError(ContainSubstring("before the context ended")))
}

func TestDoBodyCutOffByDeadline(t *testing.T) {
	g := NewWithT(t)
	release := make(chan struct{})
	defer close(release)
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request, _ seen) {
		w.WriteHeader(200)
		w.Write([]byte(`{"partial":`))
		w.(http.Flusher).Flush()
		<-release
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := New(f.URL).Do(ctx, "GET", "/x")
	g.Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
	g.Expect(err).To(MatchError(ContainSubstring("reading the answer (status 200)")))
	g.Expect(errors.Is(err, context.DeadlineExceeded)).To(BeTrue(), "error: %v", err)
}

func TestObserverSeesEveryExchange(t *testing.T) {
	g := NewWithT(t)
	f := newFake(t, answerWith(201, `{"ok":true}`))
	var mu sync.Mutex
	var log []string
	observe := func(sent SentRequest, res *Response, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			log = append(log, sent.Method+" "+sent.URL+" failed")
			return
		}
		log = append(log, res.String())
	}
	_, err := New(f.URL, WithObserver(observe)).Do(context.Background(), "POST", "/x", Body([]byte(`{}`)))
	g.Expect(err).NotTo(HaveOccurred())
	refused := refusedURL(t)
	_, err = New(refused, WithObserver(observe)).Do(context.Background(), "GET", "/y")
	g.Expect(err).To(HaveOccurred())
	g.Expect(log).To(Equal([]string{`POST /x {} → 201 {"ok":true}`, "GET " + refused + "/y failed"}))
}

func TestWithTokenAndSessionCopy(t *testing.T) {
	g := NewWithT(t)
	base := New("http://127.0.0.1:1").WithSession(Session{UserID: "@a:hs1", AccessToken: "ta", DeviceID: "DA"})
	other := base.WithToken("tb")
	g.Expect(other.Session()).To(Equal(Session{AccessToken: "tb"}))
	g.Expect(base.Session()).To(Equal(Session{UserID: "@a:hs1", AccessToken: "ta", DeviceID: "DA"}))
	g.Expect(other.BaseURL()).To(Equal("http://127.0.0.1:1"))
	g.Expect(base.String()).To(Equal("@a:hs1 at http://127.0.0.1:1"))
}

// Package mockhttp is the core every Herald mock server shares: its TLS listener, router, journal of exchanges and problems, scripted answers, requests to its peer, and the judge that fails a spec on its problems.
package mockhttp

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"herald/harness/pki"
)

// Listener is an HTTPS server a mock runs until Close.
type Listener struct {
	srv       *http.Server
	served    chan struct{}
	closeOnce sync.Once
	retained  *retainedListener // nil unless ln is a TCP listener
}

// Serve answers requests on ln with h over TLS with cert. logf gets the
// HTTP server's error log (TLS handshake errors and the like) and the
// error that stops it, if any.
func Serve(ln net.Listener, cert tls.Certificate, h http.Handler, logf func(format string, args ...any)) *Listener {
	l := &Listener{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          log.New(logWriter(logf), "", 0),
		},
		served: make(chan struct{}),
	}
	if tcp, ok := ln.(*net.TCPListener); ok {
		l.retained = &retainedListener{TCPListener: tcp}
		ln = l.retained
	}
	tlsLn := tls.NewListener(ln, serverConfig(cert))
	go func() {
		defer close(l.served)
		if err := l.srv.Serve(tlsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logf("serve: %v", err)
		}
	}()
	return l
}

// Close stops the server, waits briefly for requests in progress and
// frees the port. Only the first Close or Retire does anything (and may
// return an error).
func (l *Listener) Close() error { return l.stop(false) }

// Retire stops the server like Close but keeps its port bound until the
// process exits, closing every connection made to it. A homeserver keeps
// sending to a server it federated with (presence, retries) after the spec
// that started it ended; with the port retired, no later mock of the run
// gets that port, and that traffic, by chance.
func (l *Listener) Retire() error { return l.stop(true) }

func (l *Listener) stop(retire bool) error {
	var err error
	l.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = l.srv.Shutdown(ctx); err != nil {
			err = errors.Join(err, l.srv.Close())
		}
		<-l.served
		if l.retained == nil {
			return
		}
		if retire {
			l.retained.retire()
		} else {
			err = errors.Join(err, l.retained.TCPListener.Close())
		}
	})
	return err
}

// logWriter sends each line of a log.Logger to logf.
type logWriter func(format string, args ...any)

func (w logWriter) Write(p []byte) (int, error) {
	w("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// RandomToken returns n random characters of [A-Za-z0-9].
func RandomToken(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// serverConfigs holds one TLS configuration per certificate, shared by
// every mock serving it, so that their session tickets are interchangeable:
// a homeserver that resumes sessions does so with any mock of the run.
var serverConfigs sync.Map // *x509.Certificate (the leaf) → *tls.Config

func serverConfig(cert tls.Certificate) *tls.Config {
	conf := &tls.Config{
		Certificates:     []tls.Certificate{cert},
		MinVersion:       tls.VersionTLS12,
		CurvePreferences: pki.Curves,
	}
	if cert.Leaf == nil {
		return conf
	}
	shared, _ := serverConfigs.LoadOrStore(cert.Leaf, conf)
	return shared.(*tls.Config)
}

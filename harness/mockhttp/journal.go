package mockhttp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Entry is what a journal holds: a mock's own exchange type, which embeds
// Exchange and renders itself in full for transcripts.
type Entry[R Route] interface {
	Common() Exchange[R]
	Render() string
}

// Journal is the ordered, thread-safe record of every exchange a mock
// had, kept in the order the exchanges began. Specs read it, directly or
// with Eventually: every method returns a snapshot.
type Journal[R Route, E Entry[R]] struct {
	mu      sync.Mutex
	seq     int
	seqs    []int // the sequence number of each entry
	entries []E
	log     []string
	changed chan struct{}
}

// NewJournal returns an empty journal.
func NewJournal[R Route, E Entry[R]]() *Journal[R, E] {
	return &Journal[R, E]{changed: make(chan struct{})}
}

// Begin reserves the sequence number (1, 2, …) of an exchange starting now.
func (j *Journal[R, E]) Begin() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	return j.seq
}

// Record adds a finished exchange, keeping the entries in the order of
// their sequence numbers, and wakes waiters.
func (j *Journal[R, E]) Record(e E) {
	j.mu.Lock()
	defer j.mu.Unlock()
	seq := e.Common().Seq
	i, _ := slices.BinarySearch(j.seqs, seq)
	j.seqs = slices.Insert(j.seqs, i, seq)
	j.entries = slices.Insert(j.entries, i, e)
	close(j.changed)
	j.changed = make(chan struct{})
}

// Logf keeps a line the mock's HTTP server logged; the transcript shows
// them.
func (j *Journal[R, E]) Logf(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.log = append(j.log, fmt.Sprintf(format, args...))
}

// Exchanges returns every finished exchange in order.
func (j *Journal[R, E]) Exchanges() []E {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.entries)
}

// Filter returns the finished exchanges keep accepts, in order.
func (j *Journal[R, E]) Filter(keep func(E) bool) []E {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []E
	for _, e := range j.entries {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// Requests returns the inbound exchanges: what the homeserver sent the
// mock.
func (j *Journal[R, E]) Requests() []E {
	return j.Filter(func(e E) bool { return e.Common().Direction == Inbound })
}

// Sent returns the outbound exchanges: what the mock sent.
func (j *Journal[R, E]) Sent() []E {
	return j.Filter(func(e E) bool { return e.Common().Direction == Outbound })
}

// RequestsTo returns the inbound exchanges for any of routes, in order.
func (j *Journal[R, E]) RequestsTo(routes ...R) []E {
	return j.Filter(requestTo[R, E](routes))
}

// WaitFor blocks until the homeserver's request to one of routes has been
// answered and returns the first such exchange, or fails when ctx ends.
func (j *Journal[R, E]) WaitFor(ctx context.Context, routes ...R) (E, error) {
	what := make([]string, len(routes))
	for i, r := range routes {
		what[i] = r.String()
	}
	return j.WaitUntil(ctx, strings.Join(what, " or "), requestTo[R, E](routes))
}

// requestTo matches an inbound exchange for any of routes.
func requestTo[R Route, E Entry[R]](routes []R) func(E) bool {
	return func(e E) bool {
		c := e.Common()
		return c.Direction == Inbound && slices.Contains(routes, c.Route)
	}
}

// WaitUntil blocks until an exchange satisfies match and returns the
// first that does; what describes it in the error when ctx ends first.
func (j *Journal[R, E]) WaitUntil(ctx context.Context, what string, match func(E) bool) (E, error) {
	for {
		j.mu.Lock()
		for _, e := range j.entries {
			if match(e) {
				j.mu.Unlock()
				return e, nil
			}
		}
		changed, n := j.changed, len(j.entries)
		j.mu.Unlock()
		select {
		case <-ctx.Done():
			var zero E
			return zero, fmt.Errorf("waiting for %s: %w (the journal has %d exchanges)", what, ctx.Err(), n)
		case <-changed:
		}
	}
}

// Settle blocks until every exchange that has begun, in either direction,
// is in the journal. After a client request to the homeserver has been
// answered, Settle makes sure everything the homeserver sent the mock while
// serving it has been answered and recorded, even for scripted routes (the
// homeserver can read the mock's answer before the journal records it). It
// fails when ctx ends first.
func (j *Journal[R, E]) Settle(ctx context.Context) error {
	for {
		j.mu.Lock()
		pending := j.seq - len(j.entries)
		changed := j.changed
		j.mu.Unlock()
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d exchange(s) in progress to be journaled: %w", pending, ctx.Err())
		case <-changed:
		}
	}
}

// Problems returns every failed check in the journal, in order. NewServer
// fails the spec on any (unless the mock allows problems).
func (j *Journal[R, E]) Problems() []Problem {
	return j.problems(func(e Exchange[R]) []Check { return e.Failed() })
}

// Deferred returns the failed checks the spec judgedBy judges (see
// Check.JudgedBy): not problems where they fell, the problems of that
// spec.
func (j *Journal[R, E]) Deferred(judgedBy string) []Problem {
	return j.problems(func(e Exchange[R]) []Check { return Deferred(e.Checks, judgedBy) })
}

func (j *Journal[R, E]) problems(failed func(Exchange[R]) []Check) []Problem {
	var out []Problem
	for _, entry := range j.Exchanges() {
		e := entry.Common()
		for _, c := range failed(e) {
			out = append(out, Problem{Exchange: e.Summary(), Seq: e.Seq, Check: c})
		}
	}
	return out
}

// Summaries lists the one-line summary of every exchange, for messages.
func (j *Journal[R, E]) Summaries() string {
	var b strings.Builder
	for _, e := range j.Exchanges() {
		b.WriteString("    " + e.Common().Summary() + "\n")
	}
	if b.Len() == 0 {
		return "    (no exchanges)\n"
	}
	return b.String()
}

// Transcript renders every exchange in order, then the server log, for
// failure reports.
func (j *Journal[R, E]) Transcript() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var b strings.Builder
	if len(j.entries) == 0 {
		b.WriteString("(no exchanges)\n")
	}
	for _, e := range j.entries {
		b.WriteString(e.Render())
	}
	if len(j.log) > 0 {
		b.WriteString("server log:\n")
		for _, l := range j.log {
			b.WriteString("    " + l + "\n")
		}
	}
	return b.String()
}

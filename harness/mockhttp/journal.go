package mockhttp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Entry is what a journal records: one exchange, rendered in full for
// transcripts.
type Entry interface{ Render() string }

// Journal is the ordered, thread-safe record of every exchange a mock
// had, kept in the order the exchanges began. Every method returns a
// snapshot.
type Journal[E Entry] struct {
	mu      sync.Mutex
	seq     int
	seqs    []int // the sequence number of each entry
	entries []E
	log     []string
	changed chan struct{}
}

// NewJournal returns an empty journal.
func NewJournal[E Entry]() *Journal[E] { return &Journal[E]{changed: make(chan struct{})} }

// Begin reserves the sequence number (1, 2, …) of an exchange starting now.
func (j *Journal[E]) Begin() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	return j.seq
}

// Record adds the finished exchange begun as seq, keeping the entries in
// sequence order, and wakes waiters.
func (j *Journal[E]) Record(seq int, e E) {
	j.mu.Lock()
	defer j.mu.Unlock()
	i, _ := slices.BinarySearch(j.seqs, seq)
	j.seqs = slices.Insert(j.seqs, i, seq)
	j.entries = slices.Insert(j.entries, i, e)
	close(j.changed)
	j.changed = make(chan struct{})
}

// Logf keeps a line the mock's HTTP server logged; the transcript shows
// them.
func (j *Journal[E]) Logf(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.log = append(j.log, fmt.Sprintf(format, args...))
}

// Exchanges returns every finished exchange in order.
func (j *Journal[E]) Exchanges() []E {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.entries)
}

// Filter returns the finished exchanges keep accepts, in order.
func (j *Journal[E]) Filter(keep func(E) bool) []E {
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

// WaitUntil blocks until an exchange satisfies match and returns the
// first that does; what describes it in the error when ctx ends first.
func (j *Journal[E]) WaitUntil(ctx context.Context, what string, match func(E) bool) (E, error) {
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

// Settle blocks until every exchange that has begun is in the journal,
// or fails when ctx ends first.
func (j *Journal[E]) Settle(ctx context.Context) error {
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

// Transcript renders every exchange in order, then the server log, for
// failure reports.
func (j *Journal[E]) Transcript() string {
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

package mockhttp

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// journalRoute and journalEntry stand for a mock's route and exchange
// types.
type journalRoute string

func (r journalRoute) Name() string   { return strings.TrimPrefix(string(r), "GET /") }
func (r journalRoute) String() string { return r.Name() + " (" + string(r) + ")" }

type journalEntry struct {
	Exchange[journalRoute]
	extra string
}

func (e journalEntry) Render() string { return e.Transcribe("extra: " + e.extra) }

const (
	keys    journalRoute = "GET /keys"
	version journalRoute = "GET /version"
	profile journalRoute = "GET /profile"
)

// record journals a finished exchange to route.
func record(j *Journal[journalRoute, journalEntry], dir Direction, route journalRoute, checks ...Check) {
	j.Record(journalEntry{Exchange: Exchange[journalRoute]{Seq: j.Begin(), Direction: dir, Route: route, Method: "GET", URI: "/" + route.Name(), Checks: checks}})
}

func seqs(es []journalEntry) []int {
	var out []int
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func TestRequestsToSeveralRoutesKeepsTheJournalsOrder(t *testing.T) {
	j := NewJournal[journalRoute, journalEntry]()
	record(j, Inbound, keys)
	record(j, Inbound, version)
	record(j, Outbound, keys)
	record(j, Inbound, profile)
	record(j, Inbound, keys)
	if got := seqs(j.RequestsTo(keys, profile)); !slices.Equal(got, []int{1, 4, 5}) {
		t.Errorf("RequestsTo(keys, profile) = exchanges %v, want the inbound ones in order: [1 4 5]", got)
	}
	if got := seqs(j.RequestsTo(version)); !slices.Equal(got, []int{2}) {
		t.Errorf("RequestsTo(version) = exchanges %v, want [2]", got)
	}
	if got := j.RequestsTo(); len(got) != 0 {
		t.Errorf("RequestsTo() with no route = %v, want none", got)
	}
	if got := seqs(j.Sent()); !slices.Equal(got, []int{3}) {
		t.Errorf("Sent() = exchanges %v, want [3]", got)
	}
}

func TestWaitForAnyOfSeveralRoutes(t *testing.T) {
	j := NewJournal[journalRoute, journalEntry]()
	record(j, Inbound, keys)
	go func() {
		record(j, Outbound, profile) // not a request from the homeserver
		record(j, Inbound, profile)
	}()
	e, err := j.WaitFor(t.Context(), version, profile)
	if err != nil || e.Seq != 3 {
		t.Fatalf("WaitFor(version, profile) = exchange %d, %v; want exchange 3", e.Seq, err)
	}
	short, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err = j.WaitFor(short, version)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "version (GET /version)") {
		t.Errorf("WaitFor(version) on a journal without one: %v", err)
	}
}

func TestSettleOnAnEmptyJournal(t *testing.T) {
	if err := NewJournal[journalRoute, journalEntry]().Settle(t.Context()); err != nil {
		t.Errorf("an empty journal does not settle: %v", err)
	}
}

func TestProblemsAreFailedChecksJudgedWhereTheyFell(t *testing.T) {
	j := NewJournal[journalRoute, journalEntry]()
	bad := errors.New("bad")
	record(j, Inbound, keys, Check{Name: "fine"}, Check{Name: "signature", Err: bad})
	record(j, Inbound, version, Check{Name: "shape", Err: bad, JudgedBy: "SPEC-1"})
	problems := j.Problems()
	if len(problems) != 1 || problems[0].Seq != 1 || problems[0].Check.Name != "signature" {
		t.Errorf("Problems() = %v, want the failed signature check of exchange 1 only", problems)
	}
	if deferred := j.Deferred("SPEC-1"); len(deferred) != 1 || deferred[0].Seq != 2 {
		t.Errorf("Deferred(SPEC-1) = %v, want the shape check of exchange 2", deferred)
	}
	if s := j.Summaries(); !strings.Contains(s, "#1 ← GET /keys [keys] ⇒ 0") || !strings.Contains(s, "#2 ← GET /version [version]") {
		t.Errorf("Summaries() =\n%s", s)
	}
	if tr := j.Transcript(); !strings.Contains(tr, "    extra: \n    ✓ fine\n    ✗ signature: bad\n") {
		t.Errorf("the transcript does not show the mock's details, then the checks:\n%s", tr)
	}
}

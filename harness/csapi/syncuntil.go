package csapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/onsi/ginkgo/v2"
)

// SyncCheck is a condition on one /sync answer, with words for failure
// messages.
type SyncCheck struct {
	// What says what is awaited, e.g. "invited to !r:hs1".
	What string
	// Test reports whether a response shows it.
	Test func(*SyncResponse) bool
}

// String returns What.
func (c SyncCheck) String() string { return c.What }

// Check makes a SyncCheck from words and a test.
func Check(what string, test func(*SyncResponse) bool) SyncCheck {
	return SyncCheck{What: what, Test: test}
}

// InvitedTo passes when roomID is under rooms.invite.
func InvitedTo(roomID string) SyncCheck {
	return Check("invited to "+roomID, func(s *SyncResponse) bool {
		_, ok := s.rooms.Invite[roomID]
		return ok
	})
}

// JoinedTo passes when roomID is under rooms.join.
func JoinedTo(roomID string) SyncCheck {
	return Check("joined to "+roomID, func(s *SyncResponse) bool {
		_, ok := s.rooms.Join[roomID]
		return ok
	})
}

// LeftRoom passes when roomID is under rooms.leave (left, kicked, banned, or
// an invite rejected or withdrawn).
func LeftRoom(roomID string) SyncCheck {
	return Check("left "+roomID, func(s *SyncResponse) bool {
		_, ok := s.rooms.Leave[roomID]
		return ok
	})
}

// InviteStateHas passes when the invite_state of roomID holds an event of
// that type and state key.
func InviteStateHas(roomID, eventType, stateKey string) SyncCheck {
	return Check(fmt.Sprintf("invited to %s with %s(%q) in the invite state", roomID, eventType, stateKey), func(s *SyncResponse) bool {
		_, ok := findEvent(s.InviteState(roomID), eventType, stateKey)
		return ok
	})
}

// MembershipIs passes when the response shows userID's membership in roomID
// as membership ("invite", "join", "leave", "ban", "knock"); see
// SyncResponse.Membership.
func MembershipIs(roomID, userID, membership string) SyncCheck {
	return Check(fmt.Sprintf("%s's membership of %s is %q", userID, roomID, membership), func(s *SyncResponse) bool {
		return s.Membership(roomID, userID) == membership
	})
}

// TimelineHas passes when the timeline of roomID holds an event that match
// accepts; what describes that event for failure messages.
func TimelineHas(roomID, what string, match func(Event) bool) SyncCheck {
	return Check(fmt.Sprintf("%s in the timeline of %s", what, roomID), func(s *SyncResponse) bool {
		for _, ev := range s.Timeline(roomID) {
			if match(ev) {
				return true
			}
		}
		return false
	})
}

// All passes when every check passes on the same response.
func All(checks ...SyncCheck) SyncCheck {
	words := make([]string, len(checks))
	for i, c := range checks {
		words[i] = c.What
	}
	return Check(strings.Join(words, " and "), func(s *SyncResponse) bool {
		for _, c := range checks {
			if !c.Test(s) {
				return false
			}
		}
		return true
	})
}

// SyncOption adjusts SyncUntil.
type SyncOption func(*syncUntilConfig)

type syncUntilConfig struct {
	since  string
	filter string
	poll   time.Duration
}

// includeLeaveFilter makes an initial sync list left rooms too, so LeftRoom
// can pass on it.
const includeLeaveFilter = `{"room":{"include_leave":true}}`

// SyncSince starts SyncUntil from an earlier next_batch instead of an initial
// sync, so only what happened after it is seen.
func SyncSince(token string) SyncOption {
	return func(c *syncUntilConfig) { c.since = token }
}

// SyncFilter replaces SyncUntil's filter (by default one that includes left
// rooms) with a filter ID or inline JSON filter.
func SyncFilter(filter string) SyncOption {
	return func(c *syncUntilConfig) { c.filter = filter }
}

// SyncPoll sets the long-poll timeout of each incremental sync.
func SyncPoll(d time.Duration) SyncOption {
	return func(c *syncUntilConfig) { c.poll = d }
}

// recentSyncs is how many responses a timeout message describes.
const recentSyncs = 3

// summaryLimit bounds each response's line in a timeout message.
const summaryLimit = 1000

// shorten cuts s to at most limit bytes (on a rune boundary), saying so.
func shorten(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d more bytes)", len(s)-cut)
}

// noProgressPause spaces out syncs when the server answers at once without
// moving next_batch, so a broken long-poll does not become a busy loop.
const noProgressPause = 100 * time.Millisecond

// SyncUntil syncs until check passes on a response, and returns that
// response. It starts with an initial sync (or from SyncSince) and follows
// next_batch with long-polls; check is applied to each response on its own.
// It gives up when ctx ends (or after the client's sync timeout), with an
// error that says what it waited for and what the last responses held, and
// at once if a sync is not answered 200.
func (c *Client) SyncUntil(ctx context.Context, check SyncCheck, opts ...SyncOption) (*SyncResponse, error) {
	cfg := syncUntilConfig{filter: includeLeaveFilter, poll: c.syncPoll}
	for _, o := range opts {
		o(&cfg)
	}
	if c.syncTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.syncTimeout)
		defer cancel()
	}
	start := time.Now()
	since := cfg.since
	var recent []string
	for n := 1; ; n++ {
		req := SyncRequest{Since: since, Filter: cfg.filter}
		if since != "" {
			req.Timeout = cfg.poll
		}
		sent := time.Now()
		res, err := c.Sync(ctx, req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, c.gaveUp(ctx, check, start, n-1, recent)
			}
			return nil, fmt.Errorf("%s syncing until %s: %w", c.who(), check, err)
		}
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s syncing until %s: sync #%d was not answered 200:\n%s", c.who(), check, n, res.Dump())
		}
		sr, err := ParseSync(res)
		if err != nil {
			return nil, fmt.Errorf("%s syncing until %s: sync #%d: %w", c.who(), check, n, err)
		}
		if check.Test(sr) {
			return sr, nil
		}
		line := fmt.Sprintf("since %q → %s", since, sr.Summary())
		if recent = append(recent, shorten(line, summaryLimit)); len(recent) > recentSyncs {
			recent = recent[1:]
		}
		if sr.NextBatch == since && time.Since(sent) < noProgressPause {
			select {
			case <-ctx.Done():
			case <-time.After(noProgressPause):
			}
		}
		since = sr.NextBatch
		if ctx.Err() != nil {
			return nil, c.gaveUp(ctx, check, start, n, recent)
		}
	}
}

// gaveUp builds the error for a SyncUntil whose context ended.
func (c *Client) gaveUp(ctx context.Context, check SyncCheck, start time.Time, n int, recent []string) error {
	var b strings.Builder
	if len(recent) == 0 {
		b.WriteString("no sync was answered")
	} else {
		fmt.Fprintf(&b, "the last %d, oldest first:", len(recent))
		for _, line := range recent {
			b.WriteString("\n  ")
			b.WriteString(line)
		}
	}
	return fmt.Errorf("%s's /sync did not show %q: gave up after %s and %d responses (%w); %s",
		c.who(), check.What, time.Since(start).Round(time.Millisecond), n, ctx.Err(), b.String())
}

// MustSyncUntil is SyncUntil that fails the spec when it returns an error.
func (c *Client) MustSyncUntil(ctx context.Context, check SyncCheck, opts ...SyncOption) *SyncResponse {
	ginkgo.GinkgoHelper()
	sr, err := c.SyncUntil(ctx, check, opts...)
	if !c.mustSucceed("syncing", err) {
		return nil
	}
	return sr
}

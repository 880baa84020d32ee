package federation

import (
	"context"
	"fmt"
)

// Settle blocks until every exchange that has begun, in either direction,
// is in the journal. After a client request to the homeserver has been
// answered, Settle makes sure everything the homeserver sent the mock while
// serving it has been answered and recorded, even for scripted routes (the
// homeserver can read the mock's answer before the journal records it). It
// fails when ctx ends first.
func (j *Journal) Settle(ctx context.Context) error {
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

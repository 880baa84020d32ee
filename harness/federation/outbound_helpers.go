package federation

import "context"

// Settle blocks until every exchange that has begun, in either direction,
// is in the journal. After a client request to the homeserver has been
// answered, Settle makes sure everything the homeserver sent the mock while
// serving it has been answered and recorded, even for scripted routes (the
// homeserver can read the mock's answer before the journal records it). It
// fails when ctx ends first.
func (j *Journal) Settle(ctx context.Context) error { return j.j.Settle(ctx) }

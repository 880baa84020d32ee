package federation

import (
	"strings"
	"testing"
)

// TestBackgroundListIsExplained: every tolerated kind of traffic is a route
// the mock serves or an EDU type, and names the spec section allowing it.
func TestBackgroundListIsExplained(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Background {
		key := string(a.Route) + "|" + a.EDU
		if seen[key] {
			t.Errorf("listed twice: %v", a)
		}
		seen[key] = true
		if (a.Route == Unrouted) == (a.EDU == "") {
			t.Errorf("an allowance is a route or an EDU type, not both or neither: %v", a)
		}
		if _, ok := routeNames[a.Route]; a.Route != Unrouted && !ok {
			t.Errorf("%v: the mock serves no such route", a)
		}
		if !strings.Contains(a.Section, ".md §") || a.Why == "" {
			t.Errorf("%v: no reason or no spec section", a)
		}
	}
}

package main

import (
	"reflect"
	"testing"
)

func TestCompareOutcomesReportsEveryChange(t *testing.T) {
	first := map[string]string{"A": "pass", "B": "expected-fail", "C": "pass"}
	same := map[string]string{"C": "pass", "B": "expected-fail", "A": "pass"}
	if d := compareOutcomes(first, same); len(d) != 0 {
		t.Errorf("identical outcomes in another order reported as %v", d)
	}
	changed := map[string]string{"A": "fail", "B": "expected-fail", "D": "pass"}
	want := []string{"A: pass → fail", "C: pass → (absent)", "D: (absent) → pass"}
	if d := compareOutcomes(first, changed); !reflect.DeepEqual(d, want) {
		t.Errorf("got %q, want %q", d, want)
	}
}

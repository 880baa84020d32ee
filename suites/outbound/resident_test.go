package outbound

import (
	"slices"
	"testing"
)

func TestStateChanges(t *testing.T) {
	before := map[string]string{"m.room.create()": "$c", "m.room.member(@carol:mock)": "$invite", "m.room.member(@dave:mock)": "$dave"}
	if got := stateChanges(before, map[string]string{"m.room.create()": "$c", "m.room.member(@carol:mock)": "$invite", "m.room.member(@dave:mock)": "$dave"}); len(got) != 0 {
		t.Errorf("the same state reads as changed: %v", got)
	}
	after := map[string]string{"m.room.create()": "$c", "m.room.member(@carol:mock)": "$join", "m.room.topic()": "$t"}
	want := []string{
		"added   m.room.topic() $t",
		"changed m.room.member(@carol:mock) $invite → $join",
		"removed m.room.member(@dave:mock) $dave",
	}
	if got := stateChanges(before, after); !slices.Equal(got, want) {
		t.Errorf("stateChanges = %q, want %q", got, want)
	}
}

package invite

import (
	"testing"

	"herald/harness/matrix"
)

// The pure checks of this package, shown failing on a wrong answer.

func TestIncompatibleVersionProblems(t *testing.T) {
	const want = "herald-unknown-1"
	for _, c := range []struct {
		body            string
		applies, passes bool
	}{
		{`{"errcode":"M_INCOMPATIBLE_ROOM_VERSION","room_version":"herald-unknown-1"}`, true, true},
		{`{"errcode":"M_INCOMPATIBLE_ROOM_VERSION"}`, true, false},
		{`{"errcode":"M_INCOMPATIBLE_ROOM_VERSION","room_version":"3"}`, true, false},
		{`{"errcode":"M_INCOMPATIBLE_ROOM_VERSION","room_version":1}`, true, false},
		{`{"errcode":"M_UNSUPPORTED_ROOM_VERSION"}`, false, true},
		{`{}`, false, true},
	} {
		applies, problems := incompatibleVersionProblems(matrix.MustParseObject(c.body), want)
		if applies != c.applies || (len(problems) == 0) != c.passes {
			t.Errorf("%s: applies %t, problems %v; want applies %t, passes %t", c.body, applies, problems, c.applies, c.passes)
		}
	}
}

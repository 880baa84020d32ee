package match

import (
	"encoding/json"
	"fmt"

	"github.com/onsi/gomega/types"

	"herald/harness/matrix"
)

// HaveEventBody matches an answer whose body is the v2 shape
// {"event": {…}} (invites-v2.yaml, send_join v2 with an event): a JSON
// object whose "event" is an object.
func HaveEventBody() types.GomegaMatcher { return haveBodyShaped(false) }

// HaveV1EventBody matches an answer whose body is exactly the v1 shape
// [200, {"event": {…}}] (invites-v1.yaml): a two-element array, the
// integer 200 first, then an object whose "event" is an object.
func HaveV1EventBody() types.GomegaMatcher { return haveBodyShaped(true) }

func haveBodyShaped(v1 bool) types.GomegaMatcher {
	shape := `{"event": {…}}`
	if v1 {
		shape = `[200, {"event": {…}}]`
	}
	return answerMatcher(func(a answer) verdict {
		problem := shapeProblem(a.body, v1)
		return verdict{
			holds:   problem == "",
			failure: fmt.Sprintf("expected a body shaped %s (status %d): %s\nthe exchange:\n%s", shape, a.status, problem, a.exchange),
			negated: fmt.Sprintf("expected a body not shaped %s, but it is\nthe exchange:\n%s", shape, a.exchange),
		}
	})
}

// shapeProblem says what is wrong with body for the v1 or v2 shape, or "".
func shapeProblem(body []byte, v1 bool) string {
	v, err := matrix.ParseJSON(body)
	if err != nil {
		return fmt.Sprintf("the body is not JSON: %v", err)
	}
	holder := v
	if v1 {
		arr, ok := v.([]any)
		if !ok {
			return fmt.Sprintf("the body is %s, not a JSON array", matrix.JSONKind(v))
		}
		if len(arr) != 2 {
			return fmt.Sprintf("the array has %d elements, not 2", len(arr))
		}
		if n, ok := arr[0].(json.Number); !ok || n.String() != "200" {
			return fmt.Sprintf("the first element is %s, not the integer 200", showJSON(arr[0]))
		}
		holder = arr[1]
	}
	obj, ok := holder.(map[string]any)
	if !ok {
		where := "the body"
		if v1 {
			where = "the second element"
		}
		return fmt.Sprintf("%s is %s, not a JSON object", where, matrix.JSONKind(holder))
	}
	ev, present := obj["event"]
	if !present {
		return "there is no \"event\""
	}
	if _, ok := ev.(map[string]any); !ok {
		return fmt.Sprintf("\"event\" is %s, not a JSON object", matrix.JSONKind(ev))
	}
	return ""
}

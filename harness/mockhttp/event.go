package mockhttp

import (
	"errors"

	"herald/harness/matrix"
)

// Event returns the "event" of an answer shaped {"event": …} (v2 APIs) or
// [200, {"event": …}] (v1 APIs).
func (r *Response) Event() (matrix.Object, error) {
	v, err := r.JSON()
	if err != nil {
		return nil, err
	}
	holder, ok := EventHolder(v)
	if !ok {
		return nil, errors.New(`the body is neither {"event": …} nor [200, {"event": …}]`)
	}
	ev, ok := holder["event"].(map[string]any)
	if !ok {
		return nil, errors.New("event is not an object")
	}
	return matrix.Object(ev), nil
}

// EventHolder finds the object holding "event" in an answer shaped
// {"event": …} (v2 APIs) or [200, {"event": …}] (v1 APIs).
func EventHolder(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, x["event"] != nil
	case []any:
		if len(x) == 2 {
			if m, ok := x[1].(map[string]any); ok {
				return m, m["event"] != nil
			}
		}
	}
	return nil, false
}

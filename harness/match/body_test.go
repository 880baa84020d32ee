package match

import "testing"

func TestHaveV1EventBody(t *testing.T) {
	passes(t, HaveV1EventBody(), response(200, `[200,{"event":{"type":"m.room.member"}}]`))
	fails(t, HaveV1EventBody(), response(200, `{"event":{}}`), `shaped [200, {"event": {…}}]`, "an object, not a JSON array")
	fails(t, HaveV1EventBody(), response(200, `[200,{"event":{}},1]`), "3 elements, not 2")
	fails(t, HaveV1EventBody(), response(200, `["200",{"event":{}}]`), `the first element is "200", not the integer 200`)
	fails(t, HaveV1EventBody(), response(200, `[200,[]]`), "the second element is an array")
	fails(t, HaveV1EventBody(), response(200, `[200,{}]`), `no "event"`)
	fails(t, HaveV1EventBody(), response(200, `[200`), "not JSON")
}

func TestHaveEventBody(t *testing.T) {
	passes(t, HaveEventBody(), response(200, `{"event":{"type":"m.room.member"}}`))
	fails(t, HaveEventBody(), response(200, `[200,{"event":{}}]`), "the body is an array, not a JSON object")
	fails(t, HaveEventBody(), response(200, `{"event":"x"}`), `"event" is a string`)
	fails(t, HaveEventBody(), response(200, `{}`), `no "event"`)
}

package match

import (
	"testing"

	"herald/harness/csapi"
	"herald/harness/fingerprint"
)

func TestHaveStatus(t *testing.T) {
	passes(t, HaveStatus(200), response(200, `{}`))
	fails(t, HaveStatus(200), response(404, `{"errcode":"M_NOT_FOUND"}`), "expected status 200, got 404", "M_NOT_FOUND", "PUT /_matrix/federation/v2/invite")
	fails(t, HaveStatus(400), response(500, `{}`), "a 5xx is never a correct answer")
	passes(t, HaveStatus(401), &csapi.Response{StatusCode: 401, Body: []byte(`{}`)})
	if _, err := HaveStatus(200).Match("200"); err == nil {
		t.Error("a string was accepted as a response")
	}
	if _, err := HaveStatus(200).Match((*csapi.Response)(nil)); err == nil {
		t.Error("a nil response was accepted")
	}
}

func TestBeRefusedWith(t *testing.T) {
	m := BeRefusedWith(400, 403)
	passes(t, m, response(400, `{}`))
	passes(t, m, response(403, `{}`))
	fails(t, m, response(200, `{"event":{}}`), "refused with 400 or 403", "accepted it with 200")
	fails(t, m, response(502, ``), "failed with 502", "5xx")
	fails(t, m, response(404, `{}`), "refused with 400 or 403, got 404")
}

// The failure states the answer's fingerprint, which expectations record.
func TestResponseMatchersStateTheirFingerprint(t *testing.T) {
	fails(t, BeRefusedWith(400), response(500, `{"errcode":"M_UNKNOWN"}`), "\nobserved: status 500 M_UNKNOWN\n")
	fails(t, BeRefusedWith(400), response(200, `{"event":{}}`), "\nobserved: status 200 no errcode\n")
	fails(t, HaveErrcode("M_INVALID_PARAM"), response(400, `<html>`), "\nobserved: status 400 not JSON\n")
	fails(t, HaveStatus(200), response(404, `{"errcode":"M_NOT_FOUND"}`), "\nobserved: status 404 M_NOT_FOUND\n")
}

func TestHaveErrcode(t *testing.T) {
	passes(t, HaveErrcode("M_INVALID_PARAM"), response(400, `{"errcode":"M_INVALID_PARAM","error":"x"}`))
	passes(t, HaveErrcode("M_BAD_JSON", "M_NOT_JSON"), response(400, `{"errcode":"M_NOT_JSON"}`))
	fails(t, HaveErrcode("M_INVALID_PARAM"), response(403, `{"errcode":"M_FORBIDDEN"}`), `expected errcode M_INVALID_PARAM, got "M_FORBIDDEN" (status 403)`)
	fails(t, HaveErrcode("M_INVALID_PARAM"), response(400, `{"error":"x"}`), "has no errcode")
	fails(t, HaveErrcode("M_INVALID_PARAM"), response(400, `<html>`), "not a JSON object")
}

// The line a matcher states its observation on is the fingerprint the
// expectations record: package fingerprint reads it back, normalized.
func TestObservedIsTheFingerprint(t *testing.T) {
	m := HaveStatus(200)
	if ok, _ := m.Match(response(400, `{"errcode":"M_UNKNOWN"}`)); ok {
		t.Fatal("a 400 passed HaveStatus(200)")
	}
	if got := fingerprint.Of(m.FailureMessage(nil)); got != "status 400 M_UNKNOWN" {
		t.Errorf("fingerprint of HaveStatus's failure = %q", got)
	}
	if got := fingerprint.Of("x\n" + observed("no valid signature:\n  of hs1:8448 for $ev123456789abcdefghijk")); got != "no valid signature: of <host> for <id>" {
		t.Errorf("fingerprint of a stated line = %q", got)
	}
}

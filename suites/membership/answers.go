package membership

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/csapi"
)

// exchange is the closing part of every failure message: the exchange
// that departs from the rule (conformance adds what the rule requires).
func exchange(res *csapi.Response) string {
	return "\nThe exchange:\n" + res.Dump()
}

// expectStatus fails unless res has the given status.
func expectStatus(res *csapi.Response, err error, status int, what string) {
	GinkgoHelper()
	Expect(err).NotTo(HaveOccurred(), "%s: no answer", what)
	Expect(res.StatusCode).To(Equal(status), "%s was answered %d, not %d.%s", what, res.StatusCode, status, exchange(res))
}

// expectError fails unless res has the given status and is a standard
// error response: a JSON object with string errcode and error.
func expectError(res *csapi.Response, err error, status int, what string) {
	GinkgoHelper()
	expectStatus(res, err, status, what)
	body, jerr := res.JSON()
	Expect(jerr).NotTo(HaveOccurred(), "%s: the %d answer is not a JSON object (%s requires a standard error response).%s", what, status, errorShape, exchange(res))
	for _, key := range []string{"errcode", "error"} {
		s, ok := body[key].(string)
		Expect(ok && s != "").To(BeTrue(), "%s: the %d answer has no string %q (%s).%s", what, status, key, errorShape, exchange(res))
	}
}

// expectErrcode fails unless res carries one of the errcodes.
func expectErrcode(res *csapi.Response, err error, what string, errcodes ...string) {
	GinkgoHelper()
	Expect(err).NotTo(HaveOccurred(), "%s: no answer", what)
	Expect(res.Errcode()).To(BeElementOf(errcodes), "%s: errcode %q, want %s.%s", what, res.Errcode(), strings.Join(errcodes, " or "), exchange(res))
}

// expectOK fails unless res is 200 with a JSON object body, and returns it.
func expectOK(res *csapi.Response, err error, what string) map[string]any {
	GinkgoHelper()
	expectStatus(res, err, http.StatusOK, what)
	body, jerr := res.JSON()
	Expect(jerr).NotTo(HaveOccurred(), "%s: the 200 answer is not a JSON object.%s", what, exchange(res))
	return body
}

// expectJoined fails unless res is 200 with room_id naming room.
func expectJoined(res *csapi.Response, err error, room, what string) {
	GinkgoHelper()
	body := expectOK(res, err, what)
	Expect(body["room_id"]).To(Equal(room), "%s: the 200 answer must name the joined room in room_id (%s).%s", what, room, exchange(res))
}

// compact renders v as one line of JSON for messages.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

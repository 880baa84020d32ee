package csapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
)

// outcome is what one helper call produced.
type outcome struct {
	res *Response
	err error
}

// answerMatcher passes when a request got an answer with the wanted status
// and a JSON body holding the wanted fields (present, not null, and not ""),
// and says what was sent and received when it does not.
type answerMatcher struct {
	what   string
	status int
	fields []string
	reason string
}

func (m *answerMatcher) Match(actual any) (bool, error) {
	o, ok := actual.(outcome)
	if !ok {
		return false, fmt.Errorf("csapi: answer matcher got %T", actual)
	}
	switch {
	case o.err != nil:
		m.reason = "no answer: " + o.err.Error()
		return false, nil
	case o.res == nil:
		m.reason = "no answer"
		return false, nil
	case o.res.StatusCode != m.status:
		m.reason = fmt.Sprintf("the server answered %d", o.res.StatusCode)
		if code := o.res.Errcode(); code != "" {
			m.reason += " " + code
		}
		return false, nil
	}
	v, err := o.res.JSONValue()
	if err != nil {
		m.reason = fmt.Sprintf("the body is not JSON (%v)", err)
		return false, nil
	}
	for _, f := range m.fields {
		x, ok := lookup(v, splitPath(f))
		if !ok || x == nil || x == "" {
			m.reason = fmt.Sprintf("the body has no %q", f)
			return false, nil
		}
	}
	return true, nil
}

func (m *answerMatcher) FailureMessage(actual any) string {
	want := fmt.Sprintf("%d", m.status)
	if len(m.fields) > 0 {
		want += " with " + strings.Join(m.fields, ", ")
	}
	msg := fmt.Sprintf("%s: expected %s, but %s", m.what, want, m.reason)
	if o, ok := actual.(outcome); ok && o.res != nil {
		msg += "\n" + o.res.Dump()
	}
	return msg
}

func (m *answerMatcher) NegatedFailureMessage(actual any) string {
	return m.what + ": expected anything but a successful answer"
}

// succeedMatcher passes when an operation returned no error and reports the
// error text, not its Go structure, when it did.
type succeedMatcher struct{ what string }

func (m succeedMatcher) Match(actual any) (bool, error) {
	o, ok := actual.(outcome)
	if !ok {
		return false, fmt.Errorf("csapi: succeed matcher got %T", actual)
	}
	return o.err == nil, nil
}

func (m succeedMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("%s: %v", m.what, actual.(outcome).err)
}

func (m succeedMatcher) NegatedFailureMessage(any) string {
	return m.what + ": expected an error"
}

// must reports a failure to the client's Gomega unless res answered status
// with the given fields; it returns whether all was well.
func (c *Client) must(what string, res *Response, err error, status int, fields ...string) bool {
	ginkgo.GinkgoHelper()
	return c.assert(outcome{res, err}, &answerMatcher{what: what, status: status, fields: fields})
}

// mustDecode is must, then decodes the answer's JSON body into v; it
// returns whether both went well.
func (c *Client) mustDecode(what string, res *Response, err error, v any, fields ...string) bool {
	ginkgo.GinkgoHelper()
	return c.must(what, res, err, http.StatusOK, fields...) && c.mustSucceed(what, res.DecodeJSON(v))
}

// mustString is must for an answer that names something (a room_id, an
// event_id): it returns field's string, or "" after failing the spec.
func (c *Client) mustString(what string, res *Response, err error, field string) string {
	ginkgo.GinkgoHelper()
	if !c.must(what, res, err, http.StatusOK, field) {
		return ""
	}
	return res.GetString(field)
}

// mustSucceed reports a failure unless err is nil.
func (c *Client) mustSucceed(what string, err error) bool {
	ginkgo.GinkgoHelper()
	return c.assert(outcome{err: err}, succeedMatcher{what: what})
}

func (c *Client) assert(o outcome, m types.GomegaMatcher) bool {
	ginkgo.GinkgoHelper()
	if c.g != nil {
		return c.g.Expect(o).To(m)
	}
	return gomega.Expect(o).To(m)
}

// who names the client's user in failure messages.
func (c *Client) who() string {
	if c.UserID != "" {
		return c.UserID
	}
	return "an anonymous client"
}

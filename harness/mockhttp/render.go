package mockhttp

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Direction says who sent a journaled request.
type Direction int

const (
	// Inbound requests came from the homeserver under test to the mock.
	Inbound Direction = iota + 1
	// Outbound requests went from the mock to the homeserver.
	Outbound
)

// String is "inbound" or "outbound".
func (d Direction) String() string {
	switch d {
	case Inbound:
		return "inbound"
	case Outbound:
		return "outbound"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// Arrow is "←" for an inbound request, "→" for an outbound one.
func (d Direction) Arrow() string {
	if d == Outbound {
		return "→"
	}
	return "←"
}

// bodyLimit bounds how much of a body a transcript shows.
const bodyLimit = 4000

// WriteHeader writes h to b, one indented line per value, names sorted.
func WriteHeader(b *strings.Builder, h http.Header) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			fmt.Fprintf(b, "      %s: %s\n", k, v)
		}
	}
}

// WriteBody writes body to b, indented, long ones cut.
func WriteBody(b *strings.Builder, body []byte) {
	if len(body) == 0 {
		b.WriteString("      (empty body)\n")
		return
	}
	s := string(body)
	if len(s) > bodyLimit {
		s = s[:bodyLimit] + fmt.Sprintf("… (%d bytes in all)", len(body))
	}
	b.WriteString("      " + strings.ReplaceAll(s, "\n", "\n      ") + "\n")
}

// WriteExchange writes the request and, unless it got no answer, the
// response of an exchange, as transcripts show them.
func WriteExchange(b *strings.Builder, reqHeader http.Header, reqBody []byte, answered bool, status int, resHeader http.Header, resBody []byte) {
	b.WriteString("    request:\n")
	WriteHeader(b, reqHeader)
	WriteBody(b, reqBody)
	if answered {
		fmt.Fprintf(b, "    response %d:\n", status)
		WriteHeader(b, resHeader)
		WriteBody(b, resBody)
	}
}

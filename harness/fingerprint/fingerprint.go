// Package fingerprint names how a check failed in a few stable words (status and errcode, or the check's name), so a known failure can be told from a different one.
package fingerprint

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Prefix starts the line of a failure message that states its fingerprint
// ("observed: status 400 M_UNKNOWN"). Matchers write that line in their own
// words; Of reads it, normalized.
const Prefix = "observed: "

var stated = regexp.MustCompile(`(?m)^` + Prefix + `(.+)$`)

// limit keeps a fingerprint short enough for a summary line.
const limit = 160

// Of is the fingerprint of a failure message: the first line a matcher
// stated (after Prefix), normalized, or else the name of the check that failed: the
// message's first meaningful line (the assertion's description), and the
// value Gomega found where a standard matcher failed ("Expected <int>: 403
// to equal"), with what changes from run to run (user, room and
// event IDs, ports, durations, numbers other than HTTP statuses) taken out.
func Of(message string) string {
	if m := stated.FindStringSubmatch(message); m != nil {
		return cut(Normalize(m[1]))
	}
	lines := strings.Split(message, "\n")
	var name, timedOut string
	for _, line := range lines {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "Timed out after"), strings.HasPrefix(line, "Context was cancelled"):
			timedOut = "timed out: "
			continue
		}
		name = line
		break
	}
	found, isList := gomegaFound(lines)
	if isList {
		// What a list held is the point, so the assertion's name gives way.
		return cutTo(timedOut+cutTo(strings.TrimSuffix(Normalize(name), ":"), nameInListLimit)+" — "+found, listLimit)
	}
	fp := timedOut + Normalize(name)
	if found != "" && found != Normalize(name) {
		fp += " — " + found
	}
	return cut(strings.TrimSuffix(strings.TrimSpace(fp), ":"))
}

// listLimit is longer than limit: a list's item names the exchange before
// the check that failed on it.
const listLimit = 260

// nameInListLimit is how much of the assertion's name a list's fingerprint
// keeps, so that what the list held fits beside it.
const nameInListLimit = 60

// gomegaFound reads Gomega's standard failure ("Expected\n    <actual>\nto
// equal\n    <expected>"): the first line of the actual value and the
// matcher's words. For a list of strings (the problems a spec gathered,
// say) it reads what the list held instead: its first item, normalized,
// and how many more there are; isList reports that case.
func gomegaFound(lines []string) (found string, isList bool) {
	for i, line := range lines {
		if strings.TrimSpace(line) != "Expected" || i+2 >= len(lines) {
			continue
		}
		actual := strings.TrimSpace(lines[i+1])
		if strings.HasPrefix(actual, "<[]string") && strings.HasSuffix(actual, "[") {
			if items := listItems(lines[i+2:]); len(items) > 0 {
				found = "[" + Normalize(items[0])
				if len(items) > 1 {
					found += ", …" // how many more can vary from run to run
				}
				return found + "]", true
			}
		}
		parts := []string{"Expected", actual}
		for _, l := range lines[i+2:] {
			t := strings.TrimSpace(l)
			if strings.HasPrefix(l, "    ") || t == "" || t == "]" || t == "}" {
				continue // the rest of the actual value
			}
			parts = append(parts, t)
			break
		}
		return Normalize(strings.Join(parts, " ")), false
	}
	return "", false
}

// listItems reads the items of a list of strings as Gomega formats it, one
// quoted item per indented line, up to the closing bracket.
func listItems(lines []string) []string {
	var items []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "]" || !strings.HasPrefix(l, "    ") {
			break
		}
		t = strings.TrimSuffix(t, ",")
		if s, err := strconv.Unquote(t); err == nil {
			t = s
		}
		items = append(items, t)
	}
	return items
}

func cutTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	// Matrix identifiers: @user:server, !room:server or !opaque, $event, #alias.
	{regexp.MustCompile(`[@!$#][A-Za-z0-9._=\-/+]+(:[A-Za-z0-9.\-\[\]]+(:[0-9]+)?)?`), "<id>"},
	// host:port, the mock servers' names among them.
	{regexp.MustCompile(`\b[A-Za-z0-9.\-]+:[0-9]{2,5}\b`), "<host>"},
}

// duration is a time span ("1.5s", "20ms"); it is read after tokens, whose
// base64 may hold "…/3h+…".
var duration = regexp.MustCompile(`\b[0-9]+(\.[0-9]+)?(ns|µs|ms|s|m|h)\b`)

var number = regexp.MustCompile(`\b[0-9]+(\.[0-9]+)?\b`)

var token = regexp.MustCompile(`[A-Za-z0-9+/_\-]{20,}`)

// escaped is a percent-escape in a URL path ("%21room%3Ahs1", "$a%2Fb").
var escaped = regexp.MustCompile(`%[0-9A-Fa-f]{2}`)

// Normalize takes what changes from run to run out of a line.
func Normalize(line string) string {
	// Identifiers in request paths are percent-escaped ("%21room%3Ahs1",
	// a room v3 event ID's "/" as "%2F"): read them as written elsewhere.
	line = escaped.ReplaceAllStringFunc(line, func(e string) string {
		b, _ := strconv.ParseUint(e[1:], 16, 8)
		if b < 0x21 || b > 0x7e {
			return e
		}
		return string(rune(b))
	})
	for _, v := range volatile {
		line = v.re.ReplaceAllString(line, v.with)
	}
	// long hex or base64 tokens (keys, hashes, transaction IDs, access
	// tokens), but not words such as M_UNSUPPORTED_ROOM_VERSION: a token
	// holds a digit or letters of both cases.
	line = token.ReplaceAllStringFunc(line, func(t string) string {
		if strings.Contains(t, "_matrix/") {
			return t // an API path, such as /_matrix/federation/v2/invite/
		}
		if strings.ContainsAny(t, "0123456789") || mixedCase(t) {
			return "<token>"
		}
		return t
	})
	line = duration.ReplaceAllString(line, "<duration>")
	// Counts, sizes and timestamps vary; statuses (100–599) are the point.
	line = number.ReplaceAllStringFunc(line, func(n string) string {
		if v, err := strconv.Atoi(n); err == nil && len(n) == 3 && v >= 100 && v < 600 {
			return n
		}
		return "<n>"
	})
	return strings.Join(strings.Fields(line), " ")
}

// mixedCase reports a run of letters in both cases, which a word of a
// message (invite_room_state, M_UNKNOWN) is not, and a random token without
// a digit is.
func mixedCase(t string) bool {
	return strings.ContainsAny(t, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
}

func cut(s string) string { return cutTo(s, limit) }

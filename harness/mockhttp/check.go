package mockhttp

import "fmt"

// Check is one verification a mock made on an exchange: the X-Matrix
// signature of a request, the content hash of an event in it, the shape
// of a body, … Err is nil when the check passed.
type Check struct {
	Name string
	Err  error
	// JudgedBy, if set, is the ID of the spec that judges this check: one
	// on traffic that arrives whenever the homeserver chooses (background
	// EDUs), which would fail whichever spec it happened to fall in. A
	// failure is then not a Problem of the exchange's spec; that spec
	// provokes the traffic, waits for it and judges it (see Deferred).
	JudgedBy string
}

// Passed reports whether the check passed.
func (c Check) Passed() bool { return c.Err == nil }

// String is "✓ name" or "✗ name: error", with the spec that judges it.
func (c Check) String() string {
	if c.Err == nil {
		return "✓ " + c.Name
	}
	s := "✗ " + c.Name + ": " + c.Err.Error()
	if c.JudgedBy != "" {
		s += " (judged by " + c.JudgedBy + ", not here)"
	}
	return s
}

// Failed returns the checks that did not pass and are judged where they
// were made: the exchange's problems.
func Failed(checks []Check) []Check {
	var out []Check
	for _, c := range checks {
		if !c.Passed() && c.JudgedBy == "" {
			out = append(out, c)
		}
	}
	return out
}

// Deferred returns the checks that did not pass and that the spec
// judgedBy judges.
func Deferred(checks []Check, judgedBy string) []Check {
	var out []Check
	for _, c := range checks {
		if !c.Passed() && c.JudgedBy == judgedBy {
			out = append(out, c)
		}
	}
	return out
}

// Problem is a failed check: something the homeserver sent (or answered)
// that a mock found wrong. A spec fails on any problem of its mocks.
type Problem struct {
	// Exchange is the summary of the exchange the check was made on.
	Exchange string
	Seq      int
	Check    Check
}

// String says what failed where.
func (p Problem) String() string { return fmt.Sprintf("%s: %s", p.Exchange, p.Check) }

// GomegaString makes a failing Expect(…Problems()).To(BeEmpty()) readable.
func (p Problem) GomegaString() string { return p.String() }

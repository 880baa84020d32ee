package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hs.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const sample = `# Known failures.
# Two lines of header.
homeserver: synapse
expected:
  - id: INV2-SIGN/v3
    severity: must
    reason: 'answers 500'
    section: 'server-server-api.md §Inviting to a room'
    observed: 'status 500 M_UNKNOWN'
  - id: INV2-UNTOUCHED
    severity: should
    reason: 'adds "unsigned": {} (it''s every version)'
    section: 'invites-v2.yaml'
    link: 'https://example.invalid/issue/1'
    observed:
      v1: 'changed unsigned (added)'
      v2: 'changed unsigned (added)'
      v10: 'changed unsigned (added)'
  - id: INVERR-SENDER
    severity: security
    reason: 'countersigns it'
    section: 'invites-v2.yaml'
    observed: 'status 200 no errcode'
`

func TestLoadAndPolicy(t *testing.T) {
	entries, err := LoadExpectations(write(t, sample))
	if err != nil {
		t.Fatal(err)
	}
	p := NewPolicy(entries, false)
	if len(p.Expected) != 3 || p.Expected["INV2-UNTOUCHED"].Link == "" || p.Strict {
		t.Fatalf("policy = %+v", p)
	}
	u := p.Expected["INV2-UNTOUCHED"]
	if bySpec := u.observedBySpec(); bySpec["INV2-UNTOUCHED/v10"] != "changed unsigned (added)" || len(bySpec) != 3 || u.Severity != "should" {
		t.Errorf("per-version fingerprints: %+v", u)
	}
	if p.Expected["INV2-SIGN/v3"].observedBySpec()["INV2-SIGN/v3"] != "status 500 M_UNKNOWN" {
		t.Errorf("spec fingerprint: %+v", p.Expected["INV2-SIGN/v3"])
	}
	if !NewPolicy(entries, true).Strict {
		t.Fatal("strict lost")
	}
}

func TestRenderRoundTrips(t *testing.T) {
	f, err := ReadExpectations(write(t, sample))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f.Render()); got != sample {
		t.Errorf("render differs from the canonical file:\n%s", got)
	}
	empty := "# none known\nhomeserver: x\nexpected: []\n"
	if f, err := ReadExpectations(write(t, empty)); err != nil || string(f.Render()) != empty {
		t.Errorf("an empty file does not round-trip: %v", err)
	}
	tricky := &ExpectationsFile{Homeserver: "x", Expected: []Expectation{{ID: "A", Severity: "must", Reason: "line\nbreak and 'quotes' and \"double\"", Section: "s: colon # hash", Observed: Observed{One: "o"}}}}
	back, err := ReadExpectations(write(t, string(tricky.Render())))
	if err != nil {
		t.Fatal(err)
	}
	if back.Expected[0].Reason != tricky.Expected[0].Reason || back.Expected[0].Section != tricky.Expected[0].Section {
		t.Errorf("quoting lost text: %+v", back.Expected[0])
	}
}

func TestEmptyPathMeansNone(t *testing.T) {
	if e, err := LoadExpectations(""); err != nil || e != nil {
		t.Fatalf("LoadExpectations(\"\") = %v, %v", e, err)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := map[string]string{
		"no id":              "expected:\n  - reason: x\n    section: y\n    severity: must\n",
		"needs a reason":     "expected:\n  - id: A\n    section: y\n    severity: must\n",
		"needs a severity":   "expected:\n  - {id: A, reason: r, section: s, severity: critical}\n",
		"listed twice":       "expected:\n  - {id: A, reason: r, section: s, severity: must}\n  - {id: A, reason: r, section: s, severity: must}\n",
		"not valid":          "expected:\n  - {id: A, reason: r, section: s, severity: must, colour: red}\n",
		"not a room version": "expected:\n  - {id: A, reason: r, section: s, severity: must, observed: {three: x}}\n",
	}
	for want, body := range cases {
		if _, err := LoadExpectations(write(t, body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
	if _, err := LoadExpectations(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file was accepted")
	}
}

func TestCheckNamesUnknownIDs(t *testing.T) {
	entries := []Expectation{{ID: "KNOWN"}, {ID: "TYPO-B"}, {ID: "TYPO-A"}, {ID: "KNOWN", Observed: Observed{Versions: map[string]string{"v99": "x"}}}}
	err := CheckExpectations(entries, func(id string) bool { return id == "KNOWN" })
	if err == nil || !strings.Contains(err.Error(), "KNOWN/v99, TYPO-A, TYPO-B") {
		t.Fatalf("err = %v", err)
	}
	if err := CheckExpectations(entries[:1], func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
}

func TestUnfinished(t *testing.T) {
	got := Unfinished([]Expectation{
		{ID: "A", Reason: "written", Observed: Observed{One: "x"}},
		{ID: "B", Reason: Placeholder, Observed: Observed{One: "x"}},
		{ID: "C", Reason: "written"},
	})
	if len(got) != 2 || !strings.HasPrefix(got[0], "B: ") || !strings.HasPrefix(got[1], "C: ") {
		t.Errorf("Unfinished = %q", got)
	}
}

// A server known to fail in one of several ways lists them all; any of them
// is the recorded failure, anything else is a change.
func TestObservedAlternatives(t *testing.T) {
	var o Observed
	if err := o.UnmarshalJSON([]byte(`{"v3": ["status 500 M_UNKNOWN", "status 400 M_BAD_JSON"], "v4": "status 403 M_FORBIDDEN"}`)); err != nil {
		t.Fatal(err)
	}
	v3 := o.Versions["v3"]
	for _, fp := range []string{"status 500 M_UNKNOWN", "status 400 M_BAD_JSON"} {
		if !SameFailure(v3, fp) {
			t.Errorf("%q is listed but not the recorded failure", fp)
		}
	}
	if SameFailure(v3, "status 200 no errcode") || SameFailure(o.Versions["v4"], "status 500 M_UNKNOWN") {
		t.Error("a failure that is not listed counts as the recorded one")
	}
	if got := writeFingerprints(v3); got != `['status 500 M_UNKNOWN', 'status 400 M_BAD_JSON']` {
		t.Errorf("written as %s", got)
	}
	for _, bad := range []string{`[]`, `[""]`, `3`} {
		if err := new(Observed).UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("observed %s was accepted", bad)
		}
	}
}

// The project's own expectations files are in their canonical form, and a
// refresh that observed nothing changes no byte of them (make expectations
// keeps what it did not see).
func TestFixturesRoundTrip(t *testing.T) {
	paths, err := filepath.Glob("../../fixtures/expectations/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no expectations files found (%v)", err)
	}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := ReadExpectations(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(f.Render()); got != string(raw) {
			t.Errorf("%s is not in its canonical form: rendering it gives\n%s", path, got)
		}
		entries, diff := Refresh(f.Expected, nil)
		f.Expected = entries
		if got := string(f.Render()); got != string(raw) || !diff.Empty() {
			t.Errorf("%s: a refresh that observed nothing changed it (%s)", path, diff)
		}
	}
}

package expectations

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

func TestLoadAndPolicy(t *testing.T) {
	entries, err := Load(write(t, `
homeserver: synapse
expected:
  - id: INV2-SIGN/v3
    reason: answers 500
    section: server-server-api.md §Inviting to a room
  - id: FALLBACK-V1
    reason: never retries
    section: invites-v2.yaml
    link: https://example.invalid/issue/1
`))
	if err != nil {
		t.Fatal(err)
	}
	p := Policy(entries, false)
	if len(p.Expected) != 2 || p.Expected["FALLBACK-V1"].Link == "" || p.Strict {
		t.Fatalf("policy = %+v", p)
	}
	if !Policy(entries, true).Strict {
		t.Fatal("strict lost")
	}
}

func TestEmptyPathMeansNone(t *testing.T) {
	if e, err := Load(""); err != nil || e != nil {
		t.Fatalf("Load(\"\") = %v, %v", e, err)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := map[string]string{
		"no id":          "expected:\n  - reason: x\n    section: y\n",
		"needs a reason": "expected:\n  - id: A\n    section: y\n",
		"listed twice":   "expected:\n  - {id: A, reason: r, section: s}\n  - {id: A, reason: r, section: s}\n",
		"not valid":      "expected:\n  - {id: A, reason: r, section: s, colour: red}\n",
	}
	for want, body := range cases {
		if _, err := Load(write(t, body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file was accepted")
	}
}

func TestCheckNamesUnknownIDs(t *testing.T) {
	entries := []Entry{{ID: "KNOWN"}, {ID: "TYPO-B"}, {ID: "TYPO-A"}}
	err := Check(entries, func(id string) bool { return id == "KNOWN" })
	if err == nil || !strings.Contains(err.Error(), "TYPO-A, TYPO-B") {
		t.Fatalf("err = %v", err)
	}
	if err := Check(entries[:1], func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
}

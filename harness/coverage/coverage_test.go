package coverage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sample() Inventory {
	return Inventory{Documents: []Document{{
		ID: "001", Kind: Seed, Title: "v2 invites", Source: "seeds/001.txt",
		Statements: []Statement{
			{ID: "001-signed", Level: "MUST", Quote: "signature added", Rules: []string{"INV2-SIGNED"}},
			{ID: "001-untouched", Level: "SHOULD", Quote: "should remain untouched", Rules: []string{"INV2-UNTOUCHED"}, Partly: "pending: unsigned"},
			{ID: "001-auth", Level: "MUST", Quote: "signedRequest", Reason: "pending: request authentication"},
			{ID: "001-429", Level: "MAY", Quote: "rate-limited", Reason: "rate limiting: not observable"},
		},
	}}}
}

func TestCheckAcceptsACompleteInventory(t *testing.T) {
	if problems := Check(sample(), []string{"INV2-SIGNED", "INV2-UNTOUCHED"}); len(problems) > 0 {
		t.Errorf("a complete inventory has problems: %q", problems)
	}
}

// A deliberately broken inventory: every way it can be wrong is reported.
func TestCheckFindsEveryProblem(t *testing.T) {
	inv := sample()
	d := &inv.Documents[0]
	d.Statements = append(d.Statements,
		Statement{ID: "001-ghost", Level: "MUST", Quote: "q", Rules: []string{"INV2-GHOST"}},
		Statement{ID: "001-bare", Level: "MUST", Quote: "q"},
		Statement{ID: "001-signed", Level: "MUST", Quote: "q", Reason: "again"},
		Statement{ID: "001-loud", Level: "REQUIRED", Quote: "q", Reason: "r"},
		Statement{ID: "001-both", Level: "MAY", Quote: "q", Rules: []string{"INV2-SIGNED"}, Reason: "r"},
		Statement{ID: "001-half", Level: "MAY", Quote: "q", Partly: "p", Reason: "r"},
		Statement{ID: "002-elsewhere", Level: "MAY", Quote: "q", Reason: "r"},
		Statement{ID: "001-mute", Level: "MAY", Reason: "r"},
		Statement{ID: "001-twice", Level: "MAY", Quote: "q", Rules: []string{"INV2-SIGNED", "INV2-SIGNED"}},
	)
	inv.Documents = append(inv.Documents, Document{ID: "001", Kind: "notes"})
	problems := Check(inv, []string{"INV2-SIGNED", "INV2-UNTOUCHED", "INV2-ORPHAN"})
	for _, want := range []string{
		"rule INV2-ORPHAN cites no statement",
		"statement 001-ghost names rule INV2-GHOST, which does not exist",
		"statement 001-bare has neither rule nor reason",
		"statement 001-signed is listed twice",
		`statement 001-loud has level "REQUIRED"`,
		"statement 001-both has rules and a reason",
		"statement 001-half is partly checked by no rule",
		`statement "002-elsewhere" of document 001`,
		"statement 001-mute quotes nothing",
		"statement 001-twice names rule INV2-SIGNED twice",
		"document 001 is listed twice",
		`document 001 has kind "notes"`,
		"document 001 needs a title and a source",
	} {
		if !containsOne(problems, want) {
			t.Errorf("no problem says %q; got:\n%s", want, strings.Join(problems, "\n"))
		}
	}
}

func containsOne(problems []string, want string) bool {
	for _, p := range problems {
		if strings.Contains(p, want) {
			return true
		}
	}
	return false
}

func TestLoadRejectsAnUnknownKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "statements.yaml")
	os.WriteFile(path, []byte("documents:\n- id: \"001\"\n  kind: seed\n  title: t\n  source: s\n  statements:\n  - id: 001-a\n    level: MUST\n    quote: q\n    rule: [INV2-OK]\n"), 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "rule") {
		t.Errorf("a misspelt key (rule for rules) loads: %v", err)
	}
}

// The project's own inventory reads and holds together; whether the rules
// it names exist is checked by the catalogue's dry run, which knows them.
func TestProjectInventoryHoldsTogether(t *testing.T) {
	inv, err := Load("../../docs/statements.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var named []string
	seen := map[string]bool{}
	seeds := 0
	for _, d := range inv.Documents {
		if d.Kind == Seed {
			seeds++
		}
		for _, s := range d.Statements {
			for _, r := range s.Rules {
				if !seen[r] {
					seen[r] = true
					named = append(named, r)
				}
			}
		}
	}
	for _, p := range Check(inv, named) {
		t.Error(p)
	}
	if seeds != 5 {
		t.Errorf("%d seed documents, want 5 (000–004)", seeds)
	}
}

func TestMarkdownSummarizesAndListsEveryStatement(t *testing.T) {
	md := Markdown(sample(), []string{"INV2-SIGNED/v1", "INV2-SIGNED/v2", "INV2-SIGNED/v3", "INV2-SIGNED/v12", "INV2-UNTOUCHED/v1", "INV2-UNTOUCHED/v2", "FED-KEYS"})
	for _, want := range []string{
		"| [001](#001-v2-invites) v2 invites | 4 | 1 | 1 | 2 | 2 | 0 |",
		"| **seeds and module** | 4 | 1 | 1 | 2 | 2 | 0 |",
		"| `001-signed` | MUST | “signature added” | `INV2-SIGNED` (v1–3, v12) |",
		"| `001-untouched` | SHOULD | “should remain untouched” | `INV2-UNTOUCHED` (v1, v2); *partly:* pending: unsigned |",
		"| `001-429` | MAY | “rate-limited” | *not checked:* rate limiting: not observable |",
		"| `001-auth` | MUST | “signedRequest” | pending: request authentication |",
		"## 001: v2 invites",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("coverage lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "`001-signed` | MUST | “signature added” | partly") {
		t.Error("a fully checked statement is listed as not fully checked")
	}
}

func TestRanges(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want string
	}{
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "v1–12"},
		{[]int{1, 2}, "v1, v2"},
		{[]int{12}, "v12"},
		{[]int{1, 3, 4, 5, 7}, "v1, v3–5, v7"},
	} {
		if got := ranges(c.in); got != c.want {
			t.Errorf("ranges(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

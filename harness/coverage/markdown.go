package coverage

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Markdown renders docs/COVERAGE.md: a summary, what is not fully
// checked, then every document's statements with the rules that check
// them (and the room versions those rules run in) or the reason none does.
// specIDs are the spec IDs of the run ("R/v3" for a rule's table entry).
func Markdown(inv Inventory, specIDs []string) string {
	versions := roomVersions(specIDs)
	var b strings.Builder
	b.WriteString("# Herald coverage of the normative statements\n\n")
	b.WriteString("Generated from `docs/statements.yaml` and the specs by `make catalogue`; `make test` fails when it is out of date. Edit `docs/statements.yaml`, not this file.\n\n")
	b.WriteString("Every normative statement of the seeds (MUST, SHOULD, MAY in any case, required fields, enumerated values, listed responses), of the invite-permission module, and of the spec text the rules cite, with the rules that check it. ")
	b.WriteString("A statement is *checked* when its rules check all of it, *partly checked* when they leave something out (said with it), and *not checked* when no rule checks it (the reason is said). ")
	b.WriteString("*Pending* marks what a rule being written will check. Rules are described in `docs/CONFORMANCE.md`; room versions follow a rule that runs per version.\n")

	b.WriteString("\n## Summary\n\n| document | statements | checked | partly checked | not checked, with reason | awaiting a rule (pending) | neither |\n|---|---|---|---|---|---|---|\n")
	var seeds, all tally
	for _, d := range inv.Documents {
		t := tallyOf(d)
		all.add(t)
		if d.Kind != Spec {
			seeds.add(t)
		}
		fmt.Fprintf(&b, "| [%s](#%s) %s | %s |\n", d.ID, anchor(d), cell(d.Title), t.row())
	}
	fmt.Fprintf(&b, "| **seeds and module** | %s |\n", seeds.row())
	fmt.Fprintf(&b, "| **all** | %s |\n", all.row())

	b.WriteString("\n## Not fully checked\n\n")
	var gaps int
	for _, d := range inv.Documents {
		for _, s := range d.Statements {
			st := StatusOf(s)
			if st == Checked {
				continue
			}
			if gaps == 0 {
				b.WriteString("| statement | level | quote | what is not checked |\n|---|---|---|---|\n")
			}
			gaps++
			why := s.Reason
			if st == Partly {
				why = "partly: " + s.Partly
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", s.ID, s.Level, quote(s.Quote), cell(why))
		}
	}
	if gaps == 0 {
		b.WriteString("Every statement is fully checked.\n")
	}

	for _, d := range inv.Documents {
		fmt.Fprintf(&b, "\n## %s: %s\n\n%s, `%s`.\n\n| statement | level | quote | checked by |\n|---|---|---|---|\n", d.ID, d.Title, kindName(d.Kind), d.Source)
		for _, s := range d.Statements {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", s.ID, s.Level, quote(s.Quote), checkedBy(s, versions))
		}
	}
	return b.String()
}

type tally struct{ total, checked, partly, reason, pending, neither int }

func tallyOf(d Document) tally {
	var t tally
	for _, s := range d.Statements {
		t.total++
		switch StatusOf(s) {
		case Checked:
			t.checked++
		case Partly:
			t.partly++
		case WithReason:
			t.reason++
		default:
			t.neither++
		}
		if IsPending(s) {
			t.pending++
		}
	}
	return t
}

func (t *tally) add(o tally) {
	t.total += o.total
	t.checked += o.checked
	t.partly += o.partly
	t.reason += o.reason
	t.pending += o.pending
	t.neither += o.neither
}

func (t tally) row() string {
	return fmt.Sprintf("%d | %d | %d | %d | %d | %d", t.total, t.checked, t.partly, t.reason, t.pending, t.neither)
}

func checkedBy(s Statement, versions map[string][]int) string {
	if len(s.Rules) == 0 {
		out := "*not checked:* " + cell(s.Reason)
		if s.Note != "" {
			out += "; *note:* " + cell(s.Note)
		}
		return out
	}
	parts := make([]string, len(s.Rules))
	for i, r := range s.Rules {
		parts[i] = "`" + r + "`"
		if vs := versions[r]; len(vs) > 0 {
			parts[i] += " (" + ranges(vs) + ")"
		}
	}
	out := strings.Join(parts, ", ")
	if s.Partly != "" {
		out += "; *partly:* " + cell(s.Partly)
	}
	if s.Note != "" {
		out += "; *note:* " + cell(s.Note)
	}
	return out
}

// roomVersions maps each rule to the room versions its specs run in.
func roomVersions(specIDs []string) map[string][]int {
	out := map[string][]int{}
	for _, id := range specIDs {
		rule, v, ok := strings.Cut(id, "/v")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(v); err == nil {
			out[rule] = append(out[rule], n)
		}
	}
	for _, vs := range out {
		sort.Ints(vs)
	}
	return out
}

// ranges writes sorted room versions compactly: "v1–12", "v1, v2", "v12".
func ranges(vs []int) string {
	var parts []string
	for i := 0; i < len(vs); {
		j := i
		for j+1 < len(vs) && vs[j+1] == vs[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, fmt.Sprintf("v%d–%d", vs[i], vs[j]))
		case j > i:
			parts = append(parts, fmt.Sprintf("v%d, v%d", vs[i], vs[j]))
		default:
			parts = append(parts, fmt.Sprintf("v%d", vs[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func kindName(kind string) string {
	switch kind {
	case Seed:
		return "Seed document"
	case Module:
		return "Module the seeds gained (issue 17)"
	}
	return "Spec text a rule cites"
}

// anchor is the GitHub anchor of a document's heading.
func anchor(d Document) string {
	var b strings.Builder
	for _, r := range strings.ToLower(d.ID + ": " + d.Title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

func quote(s string) string { return "“" + cell(strings.Join(strings.Fields(s), " ")) + "”" }

func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), "|", `\|`), "\n", " ")
}

package report

import (
	"fmt"
	"sort"
	"strings"

	"herald/harness/conformance"
)

// Catalogue renders every rule Herald checks as Markdown, grouped by area:
// ID, level, spec section, what the server must do, and the room versions
// a table rule runs in. It is generated from the specs themselves
// (docs/CONFORMANCE.md), so it cannot drift from them.
func Catalogue(rules []conformance.Rule, specIDs []string) string {
	versions := map[string][]string{}
	for _, id := range specIDs {
		if rule, v, ok := strings.Cut(id, "/v"); ok {
			versions[rule] = append(versions[rule], v)
		}
	}
	byArea := map[string][]conformance.Rule{}
	levels := map[conformance.Level]int{}
	for _, r := range rules {
		byArea[r.Area] = append(byArea[r.Area], r)
		levels[r.Level]++
	}
	areas := make([]string, 0, len(byArea))
	for a := range byArea {
		areas = append(areas, a)
	}
	sort.Strings(areas)

	var b strings.Builder
	b.WriteString("# Herald conformance catalogue\n\n")
	b.WriteString("Generated from the specs by `make catalogue`; `make test` fails when it is out of date. Do not edit by hand.\n\n")
	fmt.Fprintf(&b, "%d rules (%d MUST, %d SHOULD, %d MAY) checked by %d specs. A rule with room versions runs once per version, as `ID/vN`.\n",
		len(rules), levels[conformance.MUST], levels[conformance.SHOULD], levels[conformance.MAY], len(specIDs))
	for _, area := range areas {
		fmt.Fprintf(&b, "\n## %s\n\n| ID | level | section | the server… | room versions |\n|---|---|---|---|---|\n", area)
		for _, r := range byArea[area] {
			vs := versions[r.ID]
			sort.Slice(vs, func(i, j int) bool { return numeric(vs[i]) < numeric(vs[j]) })
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", r.ID, r.Level, tableCell(r.Section), tableCell(r.Says), strings.Join(vs, ", "))
		}
	}
	return b.String()
}

func numeric(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 1 << 30
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func tableCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

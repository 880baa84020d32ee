package layers

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// The table in docs/ARCHITECTURE.md names, for each package of the middle
// layer, the Herald packages it imports. It is the picture a newcomer
// reads, so it must be the import graph exactly: a package that gains or
// drops an import fails here until the picture says so too.
func TestPictureIsTheImportGraph(t *testing.T) {
	picture := middleTable(t, "../../docs/ARCHITECTURE.md")
	if len(picture) == 0 {
		t.Fatal("docs/ARCHITECTURE.md has no table of the middle layer's imports")
	}
	imports := herald(t)
	for p, l := range layers {
		if l != middle {
			continue
		}
		name := strings.TrimPrefix(p, "harness/")
		drawn, ok := picture[name]
		if !ok {
			t.Errorf("docs/ARCHITECTURE.md's table has no line for %s", p)
			continue
		}
		var real []string
		for _, dep := range imports["herald/"+p] {
			real = append(real, strings.TrimPrefix(dep, "herald/harness/"))
		}
		slices.Sort(real)
		slices.Sort(drawn)
		if !slices.Equal(real, drawn) {
			t.Errorf("docs/ARCHITECTURE.md says %s imports %v; it imports %v", name, drawn, real)
		}
	}
	for name := range picture {
		if layers["harness/"+name] != middle {
			t.Errorf("docs/ARCHITECTURE.md's table draws %s in the middle layer; harness/layers does not", name)
		}
	}
}

// middleTable reads the table that starts at the line "middle layer …
// imports (Herald's)" and ends at a blank line: a row is a package name, a
// description and, from the header's "imports" column on, the packages it
// imports ("—" for none). Lines that start with a space continue the row
// above.
func middleTable(t *testing.T, path string) map[string][]string {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	table := map[string][]string{}
	column := -1
	for _, line := range strings.Split(string(text), "\n") {
		runes := []rune(line)
		switch {
		case column < 0:
			if i := strings.Index(line, "imports (Herald's)"); i >= 0 && strings.Contains(line, "middle layer") {
				column = len([]rune(line[:i]))
			}
		case strings.TrimSpace(line) == "":
			return table
		case strings.HasPrefix(line, " ─") || len(runes) <= column:
		case strings.HasPrefix(line, "  "):
			// a row's description continued
		default:
			name := strings.Fields(line)[0]
			deps := []string{}
			for _, d := range strings.Split(string(runes[column:]), ",") {
				if d = strings.TrimSpace(d); d != "" && d != "—" {
					deps = append(deps, strings.Fields(d)[0])
				}
			}
			table[name] = deps
		}
	}
	return table
}

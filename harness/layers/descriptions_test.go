package layers

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// assertions are the Gomega methods whose optional description is a format
// and its arguments: Gomega formats it with fmt.Sprintf when arguments
// follow, and shows it as it is when none do.
var assertions = map[string]bool{"To": true, "ToNot": true, "NotTo": true, "Should": true, "ShouldNot": true}

// go vet checks printf wrappers, but Gomega's description is the second
// argument of a method whose first is the matcher, which vet's printf
// check never reads as a format (not even with -printf.funcs). So a
// description with too many or too few arguments came out as
// "%!(EXTRA …)" in a failure message. This test reads every description
// that is a constant string and formats it as Gomega would.
func TestDescriptionsReadTheirArguments(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "../.." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 || call.Ellipsis.IsValid() {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !assertions[sel.Sel.Name] {
				return true
			}
			format, ok := constant(call.Args[1])
			if !ok {
				return true
			}
			checked++
			if problem := misread(format, len(call.Args)-2); problem != "" {
				t.Errorf("%s: the description %q %s", fset.Position(call.Args[1].Pos()), format, problem)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d descriptions found: the walk missed the suites", checked)
	}
}

// misread says how format, given n arguments, fails to read them as
// Gomega shows it, or "".
func misread(format string, n int) string {
	if n == 0 {
		return "" // shown as it is
	}
	args := make([]any, n)
	for i := range args {
		args[i] = i
	}
	out := fmt.Sprintf(format, args...)
	switch {
	case strings.Contains(out, "%!(EXTRA"):
		return fmt.Sprintf("reads fewer than its %d arguments", n)
	case strings.Contains(out, "(MISSING)"):
		return fmt.Sprintf("reads more than its %d arguments", n)
	case strings.Contains(out, "(BADINDEX)"):
		return "has an argument index out of range"
	}
	return ""
}

// constant is the value of a string literal, or of literals joined by +.
func constant(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok := constant(x.X)
		if !ok {
			return "", false
		}
		b, ok := constant(x.Y)
		return a + b, ok
	case *ast.ParenExpr:
		return constant(x.X)
	}
	return "", false
}

// The check finds the mistakes it is for, and only those.
func TestMisread(t *testing.T) {
	for _, c := range []struct {
		format string
		n      int
		bad    bool
	}{
		{"the mock made no X-Matrix check on %s.%s", 3, true},
		{"the mock made no X-Matrix check on %s.%s", 2, false},
		{"%s's membership after the join%s", 1, true},
		{"answered %d, not %d", 2, false},
		{"100% sure", 0, false},
		{"%[2]s then %[1]s", 2, false},
		{"%[3]s", 2, true},
	} {
		if got := misread(c.format, c.n) != ""; got != c.bad {
			t.Errorf("misread(%q, %d) = %q, want a problem: %v", c.format, c.n, misread(c.format, c.n), c.bad)
		}
	}
}

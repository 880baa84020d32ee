package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"herald/harness/config"
	"herald/harness/conformance"
	"herald/harness/report"
)

// specReport is a spec as a run leaves it: its ID in its text, its labels,
// and the outcome conformance recorded.
func specReport(id string, class string) types.SpecReport {
	text, labels := "a rule ["+id+"]", []string{"invite-v2", "must"}
	if rule, version, ok := strings.Cut(id, "/v"); ok {
		text = rule + ": a rule [" + id + "] room version " + version
		labels = append(labels, "room-v"+version)
	}
	sr := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, LeafNodeLabels: labels, State: types.SpecStatePassed}
	o := conformance.Outcome{Class: class}
	switch class {
	case conformance.Fail:
		sr.State, sr.Failure = types.SpecStateFailed, types.Failure{Message: "observed: status 200 no errcode"}
	case conformance.Changed:
		sr.State, sr.Failure = types.SpecStateFailed, types.Failure{Message: "fails differently"}
		o.Recorded, o.Observed = "status 400 M_UNSUPPORTED_ROOM_VERSION", "status 400 M_UNKNOWN"
	case report.Skipped:
		sr.State = types.SpecStateSkipped
		return sr
	}
	sr.ReportEntries = types.ReportEntries{{Name: conformance.EntryOutcome, Value: types.WrapEntryValue(o)}}
	return sr
}

func reportOf(specs ...types.SpecReport) types.Report {
	return types.Report{SpecReports: specs}
}

func TestJudgeCatchesWhenEveryNamedSpecNewlyFails(t *testing.T) {
	m := mutant{Name: "m", CaughtBy: []string{"INV2-SIGNED", "INV2-UNKNOWN-VERSION-CODE"}}
	s := reportOf(
		specReport("INV2-SIGNED/v1", conformance.Pass),
		specReport("INV2-SIGNED/v10", conformance.Fail),
		specReport("INV2-SIGNED/v11", conformance.Fail),
		specReport("INV2-SIGNED/v12", conformance.Fail),
		specReport("INV2-UNKNOWN-VERSION-CODE", conformance.Changed), // failed otherwise than recorded
		specReport("INV2-OK/v10", conformance.ExpectedFail),          // known: no new failure
		specReport("INV2-UNTOUCHED/v10", conformance.Pass),
	)
	j := judge(m, s)
	if j.Verdict != caught || len(j.Missing) != 0 {
		t.Fatalf("verdict %s, missing %v; want caught", j.Verdict, j.Missing)
	}
	if got, want := j.caughtBy(m), "INV2-SIGNED v10–v12; changed: INV2-UNKNOWN-VERSION-CODE"; got != want {
		t.Errorf("caught by %q, want %q", got, want)
	}
}

func TestJudgeNamesASpecOrARule(t *testing.T) {
	s := reportOf(specReport("INV2-SIGNED/v1", conformance.Pass), specReport("INV2-SIGNED/v10", conformance.Fail))
	if j := judge(mutant{CaughtBy: []string{"INV2-SIGNED/v10"}}, s); j.Verdict != caught {
		t.Errorf("a named spec that newly failed: %s", j.Verdict)
	}
	if j := judge(mutant{CaughtBy: []string{"INV2-SIGNED/v1"}}, s); j.Verdict != survived {
		t.Errorf("a named spec that passed: %s", j.Verdict)
	}
	// A rule is no prefix match: INV2-SIGNED names neither INV2-SIGNED-X nor INV2.
	s = reportOf(specReport("INV2-SIGNED-X", conformance.Fail))
	if j := judge(mutant{CaughtBy: []string{"INV2-SIGNED"}}, s); j.Verdict != survived {
		t.Errorf("another rule that shares a prefix caught it: %s", j.Verdict)
	}
}

func TestJudgeSurvivesUnlessEveryNamedSpecNewlyFails(t *testing.T) {
	m := mutant{CaughtBy: []string{"INV2-SIGNED", "INV1-SIGNED", "OUT-STATE-CREATE"}}
	s := reportOf(
		specReport("INV2-SIGNED/v10", conformance.Fail),
		specReport("INV1-SIGNED/v1", conformance.ExpectedFail), // failing as recorded is nothing new
		specReport("OUT-STATE-CREATE/v10", report.Skipped),     // the label filter left it out
		specReport("OUT-EVENT/v10", conformance.Fail),          // a failure it does not name
	)
	j := judge(m, s)
	if j.Verdict != survived {
		t.Fatalf("verdict %s, want survived", j.Verdict)
	}
	if want := []string{"INV1-SIGNED", "OUT-STATE-CREATE"}; !reflect.DeepEqual(j.Missing, want) {
		t.Errorf("missing %v, want %v", j.Missing, want)
	}
	if want := []string{"OUT-STATE-CREATE"}; !reflect.DeepEqual(j.NotRun, want) {
		t.Errorf("not run %v, want %v", j.NotRun, want)
	}
	if why := j.why(); !strings.Contains(why, "INV1-SIGNED, OUT-STATE-CREATE") || !strings.Contains(why, "not run at all: OUT-STATE-CREATE") {
		t.Errorf("why = %q", why)
	}
	if got := j.caughtBy(m); got != "INV2-SIGNED v10; +1 other rule(s)" {
		t.Errorf("caught by %q", got)
	}
	var table strings.Builder
	printMutants(&table, []mutantResult{{m: mutant{Name: "m1", Rule: "§Inviting to a room\nmore", CaughtBy: m.CaughtBy}, j: j}})
	row := regexp.MustCompile(`(?m)^m1 +survived +§Inviting to a room +INV2-SIGNED v10; \+1 other rule\(s\) +0s +0s$`)
	if text := table.String(); !row.MatchString(text) || !strings.Contains(text, "\nm1 also made fail: OUT-EVENT v10\n") {
		t.Errorf("table:\n%s", text)
	}
	if j := judge(m, reportOf(specReport("INV2-SIGNED/v10", conformance.Pass))); j.Verdict != survived || j.caughtBy(m) != "nothing" {
		t.Errorf("a run with no new failure: %s, caught by %q", j.Verdict, j.caughtBy(m))
	}
}

// A spec that skipped itself (it had nothing to judge) is told apart from
// one the label filter left out, with its reason.
func TestJudgeSaysWhyANamedSpecSkippedItself(t *testing.T) {
	skippedItself := specReport("FALLBACK-V1-ANSWER/v1", report.Skipped)
	skippedItself.Failure = types.Failure{Message: "the homeserver did not retry on the v1 API\nmore"}
	m := mutant{CaughtBy: []string{"FALLBACK-RETRY-404", "FALLBACK-V1-ANSWER"}}
	j := judge(m, reportOf(specReport("FALLBACK-RETRY-404/v1", conformance.Fail), skippedItself))
	if j.Verdict != survived || len(j.NotRun) != 0 || j.SkippedBy["FALLBACK-V1-ANSWER"] == "" {
		t.Fatalf("verdict %s, not run %v, skipped %v", j.Verdict, j.NotRun, j.SkippedBy)
	}
	if why := j.why(); !strings.HasSuffix(why, "(FALLBACK-V1-ANSWER skipped itself: the homeserver did not retry on the v1 API)") || strings.Contains(why, "labels") {
		t.Errorf("why = %q", why)
	}
}

func TestJudgeCallsARunThatNeverStartedBroken(t *testing.T) {
	m := mutant{CaughtBy: []string{"INV2-SIGNED"}}
	r := types.Report{SpecReports: types.SpecReports{
		specReport("INV2-SIGNED/v10", conformance.Fail),
		{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateFailed, Failure: types.Failure{Message: "homeserver hs1 exited with exit code 1\nTraceback …"}},
	}}
	j := judge(m, r)
	if j.Verdict != broken {
		t.Fatalf("verdict %s, want broken", j.Verdict)
	}
	if why := j.why(); !strings.HasSuffix(why, "homeserver hs1 exited with exit code 1") {
		t.Errorf("why = %q", why)
	}
}

func TestMutantImageIsNamedAfterItsBase(t *testing.T) {
	for base, want := range map[string]string{
		"herald/synapse:latest":          "herald/synapse-mutant:x",
		"herald/synapse":                 "herald/synapse-mutant:x",
		"localhost:5000/synapse:v1.2":    "localhost:5000/synapse-mutant:x",
		"localhost:5000/synapse":         "localhost:5000/synapse-mutant:x",
		"herald/synapse@sha256:0123abcd": "herald/synapse-mutant:x",
	} {
		if got := mutantImage(base, "x"); got != want {
			t.Errorf("mutantImage(%q) = %q, want %q", base, got, want)
		}
	}
}

func TestChooseKeepsTheFilesOrder(t *testing.T) {
	all := []mutant{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	got, err := choose(all, "c,a")
	if err != nil || len(got) != 2 || got[0].Name != "a" || got[1].Name != "c" {
		t.Errorf("choose(c,a) = %v, %v", got, err)
	}
	if _, err := choose(all, "a,d"); err == nil || !strings.Contains(err.Error(), `"d"`) {
		t.Errorf("an unknown name: %v", err)
	}
}

func TestMutantCheckRefusesIncompleteEntries(t *testing.T) {
	good := mutant{Name: "m", Rule: "§x", Change: "y", File: "handlers/federation.py", Find: "a", Replace: "b", Labels: "invite-v2 && room-v10", CaughtBy: []string{"INV2-SIGNED"}}
	if err := good.check(); err != nil {
		t.Fatalf("a complete mutant: %v", err)
	}
	for name, edit := range map[string]func(*mutant){
		"no rule":             func(m *mutant) { m.Rule = " " },
		"no change":           func(m *mutant) { m.Change = "" },
		"outside the package": func(m *mutant) { m.File = "../x.py" },
		"absolute":            func(m *mutant) { m.File = "/usr/lib/x.py" },
		"unclean":             func(m *mutant) { m.File = "handlers/../x.py" },
		"no find":             func(m *mutant) { m.Find = "" },
		"changes nothing":     func(m *mutant) { m.Replace = m.Find },
		"no labels":           func(m *mutant) { m.Labels = "" },
		"bad labels":          func(m *mutant) { m.Labels = "invite-v2 &&" },
		"no caught_by":        func(m *mutant) { m.CaughtBy = nil },
		"bad ID":              func(m *mutant) { m.CaughtBy = []string{"inv2 signed"} },
	} {
		m := good
		edit(&m)
		if err := m.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The patch script changes the file when the find text occurs once, and
// fails, leaving it as it was, when it occurs zero times or twice. Python
// runs here as it does in the image.
func TestPatchScriptChangesExactlyOneOccurrence(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on this machine")
	}
	lib := t.TempDir()
	pkg := filepath.Join(lib, "fakeserver", "handlers")
	os.MkdirAll(pkg, 0o755)
	os.WriteFile(filepath.Join(lib, "fakeserver", "__init__.py"), nil, 0o644)
	target := filepath.Join(pkg, "federation.py")
	patch := func(source, find string) (string, string, error) {
		t.Helper()
		os.WriteFile(target, []byte(source), 0o644)
		dir := filepath.Join(t.TempDir(), "ctx")
		m := mutant{Name: "m", File: "handlers/federation.py", Find: find, Replace: "sign = False\n"}
		if err := writeMutantContext(dir, "fakeserver", "base", "", m); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(python, filepath.Join(dir, "mutant", "patch.py"))
		cmd.Env = append(os.Environ(), "PYTHONPATH="+lib, "PYTHONDONTWRITEBYTECODE=")
		out, err := cmd.CombinedOutput()
		after, _ := os.ReadFile(target)
		return string(after), string(out), err
	}
	after, out, err := patch("x = 1\nsign = True\ny = 2\n", "sign = True\n")
	if err != nil || after != "x = 1\nsign = False\ny = 2\n" {
		t.Errorf("one occurrence: err %v, file now %q, output %s", err, after, out)
	}
	for name, source := range map[string]string{"none": "x = 1\n", "twice": "sign = True\nsign = True\n"} {
		after, out, err := patch(source, "sign = True\n")
		if err == nil || after != source {
			t.Errorf("%s: err %v, file now %q", name, err, after)
		}
		if !strings.Contains(out, "herald-mutant: the find text occurs") || patchLines(out) == "" {
			t.Errorf("%s: output %q", name, out)
		}
	}
	if _, out, err := patch("sign = True\n", "sign = True\n"); err != nil {
		t.Errorf("%v: %s", err, out)
	}
	// A change that is no longer Python fails the build too.
	os.WriteFile(target, []byte("sign = True\n"), 0o644)
	dir := filepath.Join(t.TempDir(), "ctx")
	writeMutantContext(dir, "fakeserver", "base", "", mutant{File: "handlers/federation.py", Find: "sign = True\n", Replace: "sign = (\n"})
	cmd := exec.Command(python, filepath.Join(dir, "mutant", "patch.py"))
	cmd.Env = append(os.Environ(), "PYTHONPATH="+lib)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("a change that is not valid Python was made: %s", out)
	}
}

func TestMutantContextRunsAsRootAndRestoresTheUser(t *testing.T) {
	dir := t.TempDir()
	writeMutantContext(dir, "synapse", "herald/synapse:latest", "synapse", mutant{Name: "m", File: "f.py", Find: "a", Replace: "b"})
	df, _ := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	text := string(df)
	if !strings.HasPrefix(text, "FROM herald/synapse:latest\n") || !strings.Contains(text, "USER root\nRUN python3") || !strings.HasSuffix(text, "USER synapse\n") {
		t.Errorf("Dockerfile:\n%s", text)
	}
}

// catalogueLabels reads docs/CONFORMANCE.md: every spec ID with the labels
// Herald gives it (area, level, room version).
func catalogueLabels(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "docs", "CONFORMANCE.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\| `([^`]+)` \\| (MUST|SHOULD|MAY) \\|")
	specs := map[string][]string{}
	area := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if a, ok := strings.CutPrefix(line, "## "); ok {
			area = a
			continue
		}
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		cells := strings.Split(line, "|")
		versions := strings.TrimSpace(cells[len(cells)-2])
		labels := []string{area, strings.ToLower(m[2])}
		if versions == "" {
			specs[m[1]] = labels
			continue
		}
		for _, v := range strings.Split(versions, ", ") {
			specs[m[1]+"/v"+v] = append(slices.Clone(labels), "room-v"+v)
		}
	}
	if len(specs) < 100 {
		t.Fatalf("read only %d specs from docs/CONFORMANCE.md", len(specs))
	}
	return specs
}

// Every mutant file names specs that exist, and its label filter runs at
// least one spec of each.
func TestMutantFilesNameSpecsTheirLabelsRun(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", mutantsDir, "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no mutant files")
	}
	specs := catalogueLabels(t)
	for _, file := range files {
		set, err := loadMutants(file)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSuffix(filepath.Base(file), ".yaml"); set.Homeserver != want {
			t.Errorf("%s names homeserver %q", file, set.Homeserver)
		}
		for _, m := range set.Mutants {
			filter, _ := types.ParseLabelFilter(m.Labels)
			run := 0
			for _, labels := range specs {
				if filter(labels) {
					run++
				}
			}
			t.Logf("%s: mutant %s runs %d specs (%s)", filepath.Base(file), m.Name, run, m.Labels)
			if run > 300 {
				t.Errorf("%s: mutant %s runs %d specs: narrow its labels", file, m.Name, run)
			}
			for _, id := range m.CaughtBy {
				found, selected := false, false
				for spec, labels := range specs {
					if rule, _, _ := strings.Cut(spec, "/"); spec == id || rule == id {
						found = true
						selected = selected || filter(labels)
					}
				}
				switch {
				case !found:
					t.Errorf("%s: mutant %s names %s, which is no spec or rule of docs/CONFORMANCE.md", file, m.Name, id)
				case !selected:
					t.Errorf("%s: mutant %s names %s, which its labels %q do not run", file, m.Name, id, m.Labels)
				}
			}
		}
	}
}

// A run against the profile's own image clears HS_IMAGE; a run against a
// mutant names it, so the run judges it by the server's expectations.
func TestImageOverrideNamesOnlyAnotherImage(t *testing.T) {
	cfg := &config.Config{Known: map[string]config.Homeserver{"synapse": {Image: "herald/synapse:latest"}}}
	c, err := cfg.For("synapse")
	if err != nil {
		t.Fatal(err)
	}
	if got := imageOverride(c); got != "" {
		t.Errorf("the profile's own image: HS_IMAGE=%q", got)
	}
	c.Homeserver.Image = "herald/synapse-mutant:x"
	if got := imageOverride(c); got != "herald/synapse-mutant:x" {
		t.Errorf("a mutant: HS_IMAGE=%q", got)
	}
}

func TestKeepEvidenceMovesReportsAndLogAndSaysWhenItCannot(t *testing.T) {
	work := t.TempDir()
	reports, log := filepath.Join(work, "run"), filepath.Join(work, "ginkgo.log")
	os.MkdirAll(reports, 0o755)
	os.WriteFile(filepath.Join(reports, "summary.md"), []byte("x"), 0o644)
	os.WriteFile(log, []byte("y"), 0o644)
	dir := filepath.Join(work, "kept")
	if err := keepEvidence(dir, reports, log); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "reports", "summary.md"), filepath.Join(dir, "ginkgo.log")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("not kept: %v", err)
		}
	}
	if err := keepEvidence(dir, filepath.Join(work, "gone"), log); err == nil {
		t.Error("reports that are not there were kept without an error")
	}
}

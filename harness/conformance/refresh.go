package conformance

import (
	"fmt"
	"sort"
	"strings"
)

// Observation is what a run saw of one spec, as refreshing needs it.
type Observation struct {
	SpecID string
	// Rule is the rule ID; Version the room version of a table entry ("3"),
	// or "" for a spec that is not one.
	Rule, Version string
	// Ran is false for a spec the run filtered out or skipped: its
	// recorded failure is kept as it is.
	Ran bool
	// Failed is whether the rule's own check failed (guards aside).
	Failed bool
	// Fingerprint is how it failed.
	Fingerprint string
	// Level and Section are the rule's, for a new entry.
	Level, Section string
}

// Diff is what a refresh changed, by spec ID.
type Diff struct {
	// New are failures no entry covered: they get entries with the
	// placeholder reason.
	New []string
	// Fixed are covered specs that passed: they leave the file.
	Fixed []string
	// Changed are covered specs that failed differently.
	Changed []Change
}

// Change is one spec whose failure changed.
type Change struct{ SpecID, Old, New string }

// Empty reports whether the refresh changed nothing.
func (d Diff) Empty() bool { return len(d.New)+len(d.Fixed)+len(d.Changed) == 0 }

// String lists the changes, one per line.
func (d Diff) String() string {
	if d.Empty() {
		return "no change against the expectations\n"
	}
	var b strings.Builder
	for _, id := range d.New {
		fmt.Fprintf(&b, "+ %s: new failure (placeholder reason: write it)\n", id)
	}
	for _, id := range d.Fixed {
		fmt.Fprintf(&b, "- %s: fixed (passes now)\n", id)
	}
	for _, c := range d.Changed {
		fmt.Fprintf(&b, "~ %s: changed: %q → %q\n", c.SpecID, c.Old, c.New)
	}
	return b.String()
}

// Refresh rewrites entries from a run's observations: each entry keeps its
// ID, severity, reason, section and link, and records the failure now
// observed for every spec it covers (a spec that passed leaves it; an
// entry left with nothing is removed); failures no entry covers get new
// entries with the rule's section and level and the placeholder reason.
// An entry that recorded nothing yet covers every spec its ID names.
func Refresh(entries []Expectation, obs []Observation) ([]Expectation, Diff) {
	bySpec := map[string]Observation{}
	byRule := map[string][]Observation{}
	for _, o := range obs {
		bySpec[o.SpecID] = o
		byRule[o.Rule] = append(byRule[o.Rule], o)
	}
	// A spec-level entry wins over its rule's entry.
	specEntry := map[string]bool{}
	for _, e := range entries {
		if _, ok := bySpec[e.ID]; ok {
			specEntry[e.ID] = true
		}
	}
	covered := map[string]bool{}
	var diff Diff
	var out []Expectation
	for _, e := range entries {
		var specs []string
		switch {
		case !e.Observed.IsZero():
			for id := range e.observedBySpec() {
				specs = append(specs, id)
			}
		case specEntry[e.ID] || len(byRule[e.ID]) == 0:
			specs = []string{e.ID}
		default:
			for _, o := range byRule[e.ID] {
				if !specEntry[o.SpecID] {
					specs = append(specs, o.SpecID)
				}
			}
		}
		old := e.observedBySpec()
		now := map[string]string{}
		table := e.Observed.Versions != nil
		ran := false
		for _, id := range specs {
			covered[id] = true
			o, seen := bySpec[id]
			ran = ran || o.Ran
			if o.Version != "" && o.SpecID != e.ID {
				table = true
			}
			switch {
			case !seen || !o.Ran:
				if fp, ok := old[id]; ok {
					now[id] = fp
				}
			case o.Failed:
				now[id] = o.Fingerprint
				if fp, ok := old[id]; ok && SameFailure(fp, o.Fingerprint) {
					now[id] = fp // keeps the alternatives a person listed
				} else if ok {
					diff.Changed = append(diff.Changed, Change{id, fp, o.Fingerprint})
				}
			default:
				if _, ok := old[id]; ok || e.Observed.IsZero() {
					diff.Fixed = append(diff.Fixed, id)
				}
			}
		}
		if len(now) == 0 && e.Observed.IsZero() && !ran {
			out = append(out, e) // nothing recorded, nothing seen: as it was
			continue
		}
		if len(now) == 0 {
			continue
		}
		e.Observed = observedOf(e.ID, now, table)
		out = append(out, e)
	}

	// Failures nothing covers: one entry per rule when every version of a
	// table that ran failed, else one per spec.
	var rules []string
	for r := range byRule {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	for _, r := range rules {
		var failed []Observation
		all := true
		for _, o := range byRule[r] {
			switch {
			case covered[o.SpecID] || !o.Ran:
			case o.Failed && o.Level != string(MAY):
				failed = append(failed, o)
			default:
				all = false
			}
		}
		if len(failed) == 0 {
			continue
		}
		sort.Slice(failed, func(i, j int) bool { return versionLess(failed[i], failed[j]) })
		newEntry := func(id string, now map[string]string, table bool) {
			o := failed[0]
			out = append(out, Expectation{ID: id, Severity: strings.ToLower(o.Level), Reason: Placeholder, Section: o.Section, Observed: observedOf(id, now, table)})
		}
		if all && failed[0].Version != "" && len(failed) > 1 {
			now := map[string]string{}
			for _, o := range failed {
				now[o.SpecID] = o.Fingerprint
				diff.New = append(diff.New, o.SpecID)
			}
			newEntry(r, now, true)
			continue
		}
		for _, o := range failed {
			newEntry(o.SpecID, map[string]string{o.SpecID: o.Fingerprint}, false)
			diff.New = append(diff.New, o.SpecID)
		}
	}
	sort.Strings(diff.Fixed)
	sort.Slice(diff.Changed, func(i, j int) bool { return diff.Changed[i].SpecID < diff.Changed[j].SpecID })
	return out, diff
}

// observedOf turns spec ID → fingerprint back into an entry's Observed.
func observedOf(entryID string, bySpec map[string]string, table bool) Observed {
	if !table {
		return Observed{One: bySpec[entryID]}
	}
	v := map[string]string{}
	for id, fp := range bySpec {
		v[strings.TrimPrefix(id, entryID+"/")] = fp
	}
	return Observed{Versions: v}
}

func versionLess(a, b Observation) bool {
	x, _ := versionNumber("v" + a.Version)
	y, _ := versionNumber("v" + b.Version)
	return x < y
}

package conformance

import (
	"reflect"
	"strings"
	"testing"
)

func ob(spec, version string, failed bool, fp string) Observation {
	rule, _, _ := strings.Cut(spec, "/")
	return Observation{SpecID: spec, Rule: rule, Version: version, Ran: true, Failed: failed, Fingerprint: fp, Level: "MUST", Section: "§" + rule}
}

func TestRefreshKeepsWhatAPersonWroteAndRecordsWhatRan(t *testing.T) {
	entries := []Expectation{
		{ID: "TABLE", Severity: "security", Reason: "hand-written", Section: "§hand", Link: "https://example.invalid/1",
			Observed: Observed{Versions: map[string]string{"v1": "status 200 no errcode", "v2": "status 200 no errcode", "v3": "status 200 no errcode"}}},
		{ID: "PLAIN", Severity: "should", Reason: "answers 400 M_UNKNOWN", Section: "§p", Observed: Observed{One: "status 400 M_UNKNOWN"}},
		{ID: "GONE", Severity: "must", Reason: "was broken", Section: "§g", Observed: Observed{One: "status 500 M_UNKNOWN"}},
		{ID: "FILTERED", Severity: "must", Reason: "not run this time", Section: "§f", Observed: Observed{One: "x"}},
	}
	obs := []Observation{
		ob("TABLE/v1", "1", true, "status 200 no errcode"),
		ob("TABLE/v2", "2", false, ""),                     // fixed in v2
		ob("TABLE/v3", "3", true, "status 500 M_UNKNOWN"),  // changed in v3
		ob("TABLE/v4", "4", true, "status 200 no errcode"), // newly failing version
		ob("PLAIN", "", true, "status 400 M_UNKNOWN"),
		ob("GONE", "", false, ""),
		ob("NEW", "", true, "status 403 M_FORBIDDEN"),
		ob("NEWTABLE/v1", "1", true, "changed unsigned (added)"),
		ob("NEWTABLE/v2", "2", true, "changed unsigned (added)"),
		ob("HALF/v1", "1", true, "status 500 M_UNKNOWN"),
		ob("HALF/v2", "2", false, ""),
		{SpecID: "FILTERED", Rule: "FILTERED"},
		{SpecID: "OPTIONAL", Rule: "OPTIONAL", Ran: true, Failed: true, Fingerprint: "x", Level: "MAY"},
	}
	got, diff := Refresh(entries, obs)
	want := []Expectation{
		{ID: "TABLE", Severity: "security", Reason: "hand-written", Section: "§hand", Link: "https://example.invalid/1",
			Observed: Observed{Versions: map[string]string{"v1": "status 200 no errcode", "v3": "status 500 M_UNKNOWN"}}},
		entries[1],
		entries[3],
		{ID: "HALF/v1", Severity: "must", Reason: Placeholder, Section: "§HALF", Observed: Observed{One: "status 500 M_UNKNOWN"}},
		{ID: "NEW", Severity: "must", Reason: Placeholder, Section: "§NEW", Observed: Observed{One: "status 403 M_FORBIDDEN"}},
		{ID: "NEWTABLE", Severity: "must", Reason: Placeholder, Section: "§NEWTABLE", Observed: Observed{Versions: map[string]string{"v1": "changed unsigned (added)", "v2": "changed unsigned (added)"}}},
		{ID: "TABLE/v4", Severity: "must", Reason: Placeholder, Section: "§TABLE", Observed: Observed{One: "status 200 no errcode"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("refreshed:\n%+v\nwant\n%+v", got, want)
	}
	wantDiff := Diff{
		New:     []string{"HALF/v1", "NEW", "NEWTABLE/v1", "NEWTABLE/v2", "TABLE/v4"},
		Fixed:   []string{"GONE", "TABLE/v2"},
		Changed: []Change{{"TABLE/v3", "status 200 no errcode", "status 500 M_UNKNOWN"}},
	}
	if !reflect.DeepEqual(diff, wantDiff) {
		t.Errorf("diff:\n%+v\nwant\n%+v", diff, wantDiff)
	}
	if Unfinished(got) == nil {
		t.Error("new entries pass as finished")
	}
	// The same run again changes nothing more.
	again, diff2 := Refresh(got, obs)
	if !reflect.DeepEqual(again, got) || !diff2.Empty() {
		t.Errorf("a second refresh changed something: %s", diff2)
	}
}

func TestRefreshRecordsLegacyEntries(t *testing.T) {
	entries := []Expectation{
		{ID: "TABLE", Severity: "must", Reason: "r", Section: "s"},
		{ID: "TABLE/v2", Severity: "must", Reason: "v2 differs", Section: "s"},
		{ID: "ONE", Severity: "should", Reason: "r", Section: "s"},
		{ID: "ELSEWHERE", Severity: "should", Reason: "r", Section: "s"},
	}
	obs := []Observation{
		ob("TABLE/v1", "1", true, "a"), ob("TABLE/v2", "2", true, "b"), ob("TABLE/v3", "3", true, "a"),
		ob("ONE", "", true, "c"),
	}
	got, diff := Refresh(entries, obs)
	if len(got) != 4 || got[0].Observed.Versions["v1"] != "a" || got[0].Observed.Versions["v3"] != "a" || len(got[0].Observed.Versions) != 2 ||
		got[1].Observed.One != "b" || got[2].Observed.One != "c" || !got[3].Observed.IsZero() {
		t.Errorf("refreshed: %+v", got)
	}
	if !diff.Empty() {
		t.Errorf("diff: %s", diff)
	}
}

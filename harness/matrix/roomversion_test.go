package matrix

import (
	"slices"
	"testing"
)

func TestKnownVersions(t *testing.T) {
	want := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}
	if got := KnownVersionIDs(); !slices.Equal(got, want) {
		t.Fatalf("KnownVersionIDs = %v, want %v", got, want)
	}
	vs := KnownVersions()
	vs[0].ID = "mutated"
	if KnownVersions()[0].ID != "1" {
		t.Fatal("KnownVersions exposes the table")
	}
	if _, ok := LookupRoomVersion("13"); ok {
		t.Error("room version 13 should be unknown")
	}
	if _, ok := LookupRoomVersion("org.matrix.msc1234"); ok {
		t.Error("unstable version should be unknown")
	}
	if _, ok := LookupRoomVersion(DefaultRoomVersion); !ok {
		t.Error("default room version unknown")
	}
	defer func() {
		if recover() == nil {
			t.Error("MustRoomVersion of an unknown ID did not panic")
		}
	}()
	MustRoomVersion("0")
}

// TestRoomVersionTable pins each property per version, written out
// rather than derived, from content/rooms/v1.md … v12.md.
func TestRoomVersionTable(t *testing.T) {
	type row struct {
		id     string
		format EventIDFormat
		red    RedactionRules
		strict, pairs, origin, createRoomID, roomIDFromCreate,
		creator, redactsInContent, keyValidity, knock, restricted,
		knockRestricted, intPL, addCreators bool
	}
	const (
		O = EventIDOpaque
		B = EventIDBase64
		U = EventIDURLSafeBase64
	)
	rows := []row{
		//  id  fmt redaction  strict pairs  origin createRoomID fromCreate creator redactsCt keyValid knock  restr  knockR intPL  addCr
		{"1", O, RedactionV1, false, true, true, true, false, true, false, false, false, false, false, false, false},
		{"2", O, RedactionV1, false, true, true, true, false, true, false, false, false, false, false, false, false},
		{"3", B, RedactionV1, false, false, true, true, false, true, false, false, false, false, false, false, false},
		{"4", U, RedactionV1, false, false, true, true, false, true, false, false, false, false, false, false, false},
		{"5", U, RedactionV1, false, false, true, true, false, true, false, true, false, false, false, false, false},
		{"6", U, RedactionV6, true, false, true, true, false, true, false, true, false, false, false, false, false},
		{"7", U, RedactionV6, true, false, true, true, false, true, false, true, true, false, false, false, false},
		{"8", U, RedactionV8, true, false, true, true, false, true, false, true, true, true, false, false, false},
		{"9", U, RedactionV9, true, false, true, true, false, true, false, true, true, true, false, false, false},
		{"10", U, RedactionV9, true, false, true, true, false, true, false, true, true, true, true, true, false},
		{"11", U, RedactionV11, true, false, false, true, false, false, true, true, true, true, true, true, false},
		{"12", U, RedactionV11, true, false, false, false, true, false, true, true, true, true, true, true, true},
	}
	for _, r := range rows {
		rv := MustRoomVersion(r.id)
		want := RoomVersion{
			ID: r.id, EventIDFormat: r.format, Redaction: r.red,
			StrictCanonicalJSON: r.strict, EventRefPairs: r.pairs, OriginProtected: r.origin,
			CreateEventHasRoomID: r.createRoomID, RoomIDFromCreateEvent: r.roomIDFromCreate,
			CreatorInCreateContent: r.creator, RedactsInContent: r.redactsInContent,
			EnforceKeyValidity: r.keyValidity, Knocking: r.knock, RestrictedJoinRule: r.restricted,
			KnockRestrictedJoinRule: r.knockRestricted, IntegerPowerLevels: r.intPL,
			AdditionalCreators: r.addCreators,
		}
		if rv != want {
			t.Errorf("room version %s:\n got %+v\nwant %+v", r.id, rv, want)
		}
		if rv.String() != r.id {
			t.Errorf("String() = %q", rv.String())
		}
	}
	if len(rows) != len(KnownVersions()) {
		t.Errorf("table has %d rows, KnownVersions %d", len(rows), len(KnownVersions()))
	}
}

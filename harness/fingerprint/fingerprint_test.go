package fingerprint

import (
	"strings"
	"testing"
)

func TestOfPrefersTheStatedLine(t *testing.T) {
	msg := "an invite must be refused\nexpected 400, got 500\n" + Prefix + "status 500 M_UNKNOWN\nthe exchange:\nobserved: not this one"
	if got := Of(msg); got != "status 500 M_UNKNOWN" {
		t.Errorf("Of = %q", got)
	}
	// The stated line is normalized as it is read.
	if got := Of(Prefix + "no valid signature of hs1:8448 for $abc123def456ghi789jkl"); got != "no valid signature of <host> for <id>" {
		t.Errorf("Of = %q", got)
	}
}

// readTheSame reads what several runs of one check wrote (with read: Of
// or Normalize), fails the test unless every run reads the same, and
// returns the reading.
func readTheSame(t *testing.T, read func(string) string, runs ...string) string {
	t.Helper()
	first := read(runs[0])
	for _, run := range runs[1:] {
		if got := read(run); got != first {
			t.Errorf("two runs of one check read differently:\n%q\n%q", first, got)
		}
	}
	return first
}

func TestOfNamesTheCheckWithoutWhatVaries(t *testing.T) {
	a := readTheSame(t, Of,
		"\n@bob:hs1 never saw the invite to !abc123:host.docker.internal:28417 within 20.002s (event $Zx9_Yw-ab1234567890abcdefgh)\nmore",
		"@carol:hs2 never saw the invite to !zzz:host.docker.internal:28455 within 19.5s (event $Qq9_Yw-ab1234567890abcdefgh)")
	if !strings.Contains(a, "never saw the invite") {
		t.Errorf("the check's words are lost: %q", a)
	}
	if Of("Timed out after 15.001s.\nthe invitee's /sync shows the invite") != "timed out: the invitee's /sync shows the invite" {
		t.Errorf("timeout: %q", Of("Timed out after 15.001s.\nthe invitee's /sync shows the invite"))
	}
	readTheSame(t, Of, "gave up after 20.001s and 7 responses", "gave up after 19s and 12 responses")
	if Of("status 400 here") == Of("status 500 here") {
		t.Error("statuses were taken out")
	}
}

func TestOfIsShort(t *testing.T) {
	got := Of(strings.Repeat("é", 300))
	if len(got) > limit+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("len %d: %q", len(got), got)
	}
}

func TestNormalizeKeepsErrcodes(t *testing.T) {
	if got := Normalize("answered M_UNSUPPORTED_ROOM_VERSION for key ed25519:a_bcD 0123456789abcdef0123456789"); got != "answered M_UNSUPPORTED_ROOM_VERSION for key ed25519:a_bcD <token>" {
		t.Errorf("Normalize = %q", got)
	}
}

func TestNormalizeTakesOutTokensWithoutDigits(t *testing.T) {
	// One random token in about thirty has no digit (20 characters of 62).
	readTheSame(t, Normalize,
		"GET /_matrix/identity/v2/hash_details?access_token=herald_is_QwErTyUiOpAsDfGhJkLz",
		"GET /_matrix/identity/v2/hash_details?access_token=herald_is_Qw3rTyUiOpAsDfGhJkL9")
	// An unpadded base64 key may hold what reads as a duration ("/3h+").
	if got := readTheSame(t, Normalize,
		"for public_key UOprVGSpwOlG/3h+kQzXwVbNmLpRtYuIoPaSdFgHjKl",
		"for public_key Aq7rVGSpwOlGxxh+kQzXwVbNmLpRtYuIoPaSdFgHj5l"); got != "for public_key <token>" {
		t.Errorf("a key: %s", got)
	}
	if got := Normalize("M_UNSUPPORTED_ROOM_VERSION invite_room_state_entries_missing"); got != "M_UNSUPPORTED_ROOM_VERSION invite_room_state_entries_missing" {
		t.Errorf("words were taken for tokens: %s", got)
	}
}

func TestNormalizeReadsPaths(t *testing.T) {
	got := readTheSame(t, Normalize,
		"#4 ← PUT /_matrix/federation/v2/invite/%21DgTEoL5jS1INqbXQ%3Ahs1/$ev4 [invite v2] ⇒ 400",
		"#9 ← PUT /_matrix/federation/v2/invite/%21aXIRcjbrh5txcCih:hs2/$ev9 [invite v2] ⇒ 400",
		// A room v3 event ID is standard base64: its "/" and "+" come escaped.
		"#2 ← PUT /_matrix/federation/v2/invite/%21aXIRcjbrh5txcCih:hs2/$Ab3%2FrpXQMo%2Bx [invite v2] ⇒ 400")
	if got != "<id> ← PUT /_matrix/federation/v2/invite/<id>/<id> [invite v2] ⇒ 400" {
		t.Errorf("Normalize of a path: %s", got)
	}
}

func TestOfReadsGomegasStandardFailure(t *testing.T) {
	msg := "joining with a valid third_party_signed:\nsent:     POST http://127.0.0.1:32779/join\n{}\nThe spec requires (x).\nExpected\n    <int>: 403\nto equal\n    <int>: 200\n(at suites/thirdparty/join.go:62)"
	if got := Of(msg); got != "joining with a valid third_party_signed: — Expected <int>: 403 to equal" {
		t.Errorf("Of = %q", got)
	}
	list := "the answers\nExpected\n    <[]string | len:1, cap:1>: [\n        \"BAD: answered 500\",\n    ]\nto be empty\n(at x.go:1)"
	if got := Of(list); got != "the answers — [BAD: answered 500]" {
		t.Errorf("Of = %q", got)
	}
	// Two lists that fail differently have different fingerprints; the
	// same failure in another run (other IDs and sequence numbers) has
	// the same one.
	problems := func(seq, room, check string, more int) string {
		msg := "what the homeserver sent the invitee's server (the mock) while exchanging:\nPUT /x\nExpected\n    <[]string | len:2, cap:2>: [\n" +
			"        \"#" + seq + " ← PUT /_matrix/federation/v2/invite/" + room + "/$ev" + seq + " [invite-v2] ⇒ 200: ✗ " + check + "\",\n"
		for i := 0; i < more; i++ {
			msg += "        \"another\",\n"
		}
		return msg + "    ]\nto be empty\n(at x.go:1)"
	}
	a := readTheSame(t, Of,
		problems("3", "!abc:hs1", "invite_room_state holds the room's state: it is empty", 1),
		problems("7", "!zzz:hs1", "invite_room_state holds the room's state: it is empty", 1))
	c := Of(problems("3", "!abc:hs1", "the event's signature verifies: no signature of hs1", 1))
	if a == c {
		t.Errorf("two failures share a fingerprint: %s", a)
	}
	if !strings.Contains(a, "invite_room_state holds the room's state: it is empty") || !strings.HasSuffix(a, ", …]") {
		t.Errorf("the fingerprint does not say what the list held: %s", a)
	}
}

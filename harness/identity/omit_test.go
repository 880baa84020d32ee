package identity

import (
	"testing"

	"herald/harness/matrix"
)

func TestOmittingLeavesTheRestSigned(t *testing.T) {
	s := start(t, Env{})
	for _, field := range []string{"mxid", "token", "sender"} {
		block := s.Signed("@bob:hs", "tok", WithSender("@alice:hs"), Omitting(field))
		if _, ok := block[field]; ok {
			t.Errorf("Omitting(%q): the block still has it: %v", field, block)
		}
		if len(block) != 3 {
			t.Errorf("Omitting(%q): want the other fields and signatures, got %v", field, block)
		}
		if err := verifies(block, s.LongTermKey()); err != nil {
			t.Errorf("Omitting(%q): what remains does not verify: %v", field, err)
		}
	}
	block := s.Signed("@bob:hs", "tok", Omitting("signatures"))
	if _, ok := block["signatures"]; ok || len(block) != 2 {
		t.Errorf("Omitting(signatures): %v", block)
	}
	if err := verifies(block, s.LongTermKey()); err == nil {
		t.Error("a block without signatures verifies")
	}
}

func TestOnBindBodyWithout(t *testing.T) {
	s := start(t, Env{})
	s.Store("email", "bob@example.org", "!room:remote", "@alice:remote")
	entryOf := func(body matrix.Object) matrix.Object {
		invites, _ := body.GetArray("invites")
		if len(invites) != 1 {
			t.Fatalf("want one invite, got %v", body)
		}
		return matrix.Object(invites[0].(map[string]any))
	}
	full := s.OnBindBody("email", "bob@example.org", "@bob:hs")
	for _, f := range []string{"medium", "address", "mxid", "invites"} {
		if _, ok := full[f]; !ok {
			t.Fatalf("the full body lacks %s", f)
		}
		body := s.OnBindBody("email", "bob@example.org", "@bob:hs", WithoutField(f))
		if _, ok := body[f]; ok {
			t.Errorf("WithoutField(%q) kept it", f)
		}
		if len(body) != len(full)-1 {
			t.Errorf("WithoutField(%q) took more away: %v", f, body)
		}
		if err := verifies(body, s.LongTermKey()); err != nil {
			t.Errorf("WithoutField(%q): the body is not signed as sent: %v", f, err)
		}
	}
	for _, f := range []string{"medium", "address", "mxid", "room_id", "sender", "signed"} {
		entry := entryOf(s.OnBindBody("email", "bob@example.org", "@bob:hs", WithoutInviteField(f)))
		if _, ok := entry[f]; ok || len(entry) != len(entryOf(full))-1 {
			t.Errorf("WithoutInviteField(%q): %v", f, entry)
		}
	}
	signed, _ := entryOf(s.OnBindBody("email", "bob@example.org", "@bob:hs", InviteSigned(Omitting("token")))).GetObject("signed")
	if _, ok := signed["token"]; ok {
		t.Errorf("InviteSigned(Omitting(token)): %v", signed)
	}
	if err := verifies(signed, s.LongTermKey()); err != nil {
		t.Errorf("InviteSigned(Omitting(token)): %v", err)
	}
}

package identity

import (
	"fmt"

	"herald/harness/mockhttp"
)

// Direction says who sent a journaled request: Inbound (the homeserver
// to the mock) or Outbound (the mock to the homeserver: onbind).
type Direction = mockhttp.Direction

const (
	Inbound  = mockhttp.Inbound
	Outbound = mockhttp.Outbound
)

// Credential says how an inbound request carried its access token.
type Credential string

const (
	// NoToken: the request carried no access token.
	NoToken Credential = ""
	// BearerHeader: "Authorization: Bearer <token>", as the spec says.
	BearerHeader Credential = "Authorization header"
	// QueryParameter: ?access_token=<token>, which the spec no longer
	// supports (identity-service-api.md "Authentication", v1.20).
	QueryParameter Credential = "access_token query parameter"
)

// Exchange is one request and its answer, as the journal recorded it
// (see mockhttp.Exchange), with how an inbound request carried its access
// token. Its notes are remarks that are not failures: a legacy route or a
// query-string token (which specs of their own judge), a revoked key.
type Exchange struct {
	mockhttp.Exchange[Route]
	// Token is the access token an inbound request carried, and Via how.
	Token string
	Via   Credential
}

// Check is one verification the mock made on an exchange; Err is nil
// when it passed.
type Check = mockhttp.Check

// Problem is a failed check: something the homeserver sent that the mock
// found wrong.
type Problem = mockhttp.Problem

// Render shows the exchange in full, for transcripts, with the access
// token of an inbound request.
func (e Exchange) Render() string {
	switch {
	case e.Direction != Inbound:
		return e.Transcribe()
	case e.Via == NoToken:
		return e.Transcribe("access token: none")
	}
	return e.Transcribe(fmt.Sprintf("access token: %q in the %s", e.Token, e.Via))
}

// Journal is the ordered, thread-safe record of every exchange the mock
// had (see mockhttp.Journal). Every method returns a snapshot.
type Journal = mockhttp.Journal[Route, Exchange]

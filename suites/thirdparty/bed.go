package thirdparty

import "herald/harness/testbed"

// bed is the homeserver under test and what these specs ask of it: users,
// mock remote homeservers and identity servers, room versions.
var bed *testbed.Bed

// Use hands these specs this process's test bed; suites/herald_test.go
// calls it before the specs run.
func Use(b *testbed.Bed) { bed = b }

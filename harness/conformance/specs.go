package conformance

import (
	"fmt"

	"github.com/onsi/ginkgo/v2"

	"herald/harness/matrix"
)

// It defines rule r and registers one Ginkgo spec checking it. Extra Ginkgo
// decorators (labels, timeouts) may follow the body.
func It(r Rule, body func(ginkgo.SpecContext), decorators ...any) bool {
	register(r)
	registerSpecID(r.ID, r)
	args := append([]any{ginkgo.Label(r.Area, r.Level.Label())}, contractLabels(r.Area, r.ID)...)
	args = append(args, decorators...)
	args = append(args, func(ctx ginkgo.SpecContext) { check(ctx, r, r.ID, func() { body(ctx) }) })
	return ginkgo.It(r.Title(), args...)
}

// ForEachRoomVersion defines rule r and registers one spec per room
// version (IDs "R/v1" … "R/v12", labels room-v1 …). The body receives the
// version; it decides itself what a version the server does not support
// means for the rule.
func ForEachRoomVersion(r Rule, body func(ginkgo.SpecContext, matrix.RoomVersion), versions ...matrix.RoomVersion) bool {
	register(r)
	if len(versions) == 0 {
		versions = matrix.KnownVersions()
	}
	var entries []ginkgo.TableEntry
	for _, v := range versions {
		id := VersionID(r.ID, v.ID)
		registerSpecID(id, r)
		labels := append([]any{ginkgo.Label("room-v" + v.ID)}, contractLabels(r.Area, id)...)
		entries = append(entries, ginkgo.Entry(fmt.Sprintf("[%s] room version %s", id, v.ID), append(labels, id, v)...))
	}
	return ginkgo.DescribeTable(fmt.Sprintf("%s: %s", r.ID, r.Says),
		ginkgo.Label(r.Area, r.Level.Label()),
		func(ctx ginkgo.SpecContext, id string, v matrix.RoomVersion) {
			check(ctx, r, id, func() { body(ctx, v) })
		},
		entries,
	)
}

// VersionID is the spec ID of a rule's check in one room version.
func VersionID(ruleID, version string) string { return ruleID + "/v" + version }

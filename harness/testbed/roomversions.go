package testbed

import (
	"context"
	"fmt"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"herald/harness/csapi"
	"herald/harness/matrix"
)

// RoomVersions is the homeserver's m.room_versions capability, asked once
// per process (and again if asking failed the spec that asked).
func (b *Bed) RoomVersions(ctx context.Context) csapi.RoomVersions {
	ginkgo.GinkgoHelper()
	b.versionsMu.Lock()
	defer b.versionsMu.Unlock()
	if b.versions == nil {
		rv := b.NewUser(ctx, "capabilities").MustCapabilities(ctx).RoomVersions
		gomega.Expect(rv.Available).NotTo(gomega.BeEmpty(), "the homeserver lists no room versions in /capabilities (m.room_versions)")
		b.versions = &rv
	}
	return *b.versions
}

// OffersRoomVersion reports whether the homeserver lists version id in /capabilities.
func (b *Bed) OffersRoomVersion(ctx context.Context, id string) bool {
	ginkgo.GinkgoHelper()
	_, ok := b.RoomVersions(ctx).Available[id]
	return ok
}

// RequireRoomVersion skips the spec when the homeserver does not offer room
// version v: it cannot hold such a room. That it refuses them is checked on
// its own (SMOKE-ROOM for createRoom, INV2-OK for invites).
func (b *Bed) RequireRoomVersion(ctx context.Context, v matrix.RoomVersion) {
	ginkgo.GinkgoHelper()
	if !b.OffersRoomVersion(ctx, v.ID) {
		ginkgo.Skip(fmt.Sprintf("the homeserver does not offer room version %s in /capabilities (SMOKE-ROOM/v%s and INV2-OK/v%s check that it refuses it)", v.ID, v.ID, v.ID))
	}
}

// DefaultRoomVersion is the version the homeserver creates rooms in, for
// rules that do not depend on the version; 10 when its default is not one
// the spec defines.
func (b *Bed) DefaultRoomVersion(ctx context.Context) matrix.RoomVersion {
	ginkgo.GinkgoHelper()
	if v, ok := matrix.LookupRoomVersion(b.RoomVersions(ctx).Default); ok {
		return v
	}
	return matrix.MustRoomVersion("10")
}

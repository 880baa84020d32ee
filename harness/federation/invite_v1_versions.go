package federation

import "herald/harness/matrix"

// InviteV1Versions are the room versions the v1 invite API serves:
// "Servers which receive a v1 invite request must assume that the room
// version is either 1 or 2" (invites-v1.yaml).
func InviteV1Versions() []matrix.RoomVersion {
	return []matrix.RoomVersion{matrix.MustRoomVersion("1"), matrix.MustRoomVersion("2")}
}

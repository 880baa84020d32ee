// Package invite checks how a homeserver receives federation invites: v1 and v2 invites from a remote server in every room version, accepting and rejecting them, and refusing bad ones.
package invite

// Package blocking checks invite blocking (client-server-api §Invite permission, v1.18): a user whose account data sets m.invite_permission_config default_action block is refused invites over federation and the client API with 403 M_INVITE_BLOCKED, is not served stored invites over /sync, and is invited again once unblocked.
package blocking

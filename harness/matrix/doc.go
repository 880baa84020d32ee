// Package matrix implements the Matrix federation primitives (canonical JSON, room versions, redaction, hashes, event IDs, signing, X-Matrix, server keys) over raw JSON values.
package matrix

//go:build tools

// Package build pins the Dendrite release that the Herald image compiles.
// Nothing here is meant to be built on its own: the blank imports only make
// `go mod tidy` record Dendrite's commands and their dependencies in go.sum.
package build

import (
	_ "github.com/matrix-org/dendrite/cmd/dendrite"
	_ "github.com/matrix-org/dendrite/cmd/generate-config"
	_ "github.com/matrix-org/dendrite/cmd/generate-keys"
)

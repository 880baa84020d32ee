// Package suites is Herald's one Ginkgo suite: every scenario package below
// registers its specs here, so one homeserver per process serves them all.
package suites

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"herald/harness/suite"

	_ "herald/suites/blocking"
	_ "herald/suites/interop"
	_ "herald/suites/invite"
	_ "herald/suites/membership"
	_ "herald/suites/outbound"
	_ "herald/suites/smoke"
	_ "herald/suites/thirdparty"
)

func TestHerald(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Herald", suite.Configuration(t)...)
}

// Package testbed is what a spec asks of the run: fresh users on the homeserver under test, mock remote homeservers and identity servers wired to it, and its room versions.
package testbed

import (
	"net/netip"
	"sync"
	"sync/atomic"

	"herald/harness/config"
	"herald/harness/csapi"
	"herald/harness/homeserver"
	"herald/harness/pki"
)

// Bed is one Ginkgo process's test bed: the homeserver under test and what
// a mock needs to reach it. The run makes it before the specs are built,
// hands it to the suites, and makes it Ready in its setup, before any spec
// runs; specs only read it.
type Bed struct {
	cfg    *config.Config
	hs     *homeserver.Homeserver
	ca     *pki.CA
	listen netip.Addr

	users atomic.Int64 // users registered so far, for unique localparts

	versionsMu sync.Mutex
	versions   *csapi.RoomVersions // asked once, on first use
}

// New returns a bed that is not ready yet.
func New() *Bed { return &Bed{} }

// Ready fills the bed: the run profile, this process's homeserver, the
// run's CA and the address mocks listen on (the run network's gateway,
// which the homeserver reaches). The run calls it in its setup.
func (b *Bed) Ready(cfg *config.Config, hs *homeserver.Homeserver, ca *pki.CA, listen netip.Addr) {
	b.cfg, b.hs, b.ca, b.listen = cfg, hs, ca, listen
}

// Config is the resolved run profile.
func (b *Bed) Config() *config.Config { return b.cfg }

// Homeserver is this process's homeserver under test.
func (b *Bed) Homeserver() *homeserver.Homeserver { return b.hs }

// Client is an anonymous client of the homeserver under test, with the
// configured request timeout.
func (b *Bed) Client() *csapi.Client {
	return csapi.New(b.hs.ClientURL,
		csapi.WithRequestTimeout(b.cfg.Timeouts.Request),
		csapi.WithSyncTimeout(b.cfg.Timeouts.Sync))
}

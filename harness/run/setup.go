package run

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"herald/harness/conformance"
	"herald/harness/docker"
	"herald/harness/homeserver"
	"herald/harness/pki"
)

// shared is what process 1 prepares once per run and hands to every process.
type shared struct {
	Run     string `json:"run"`
	Network string `json:"network"`
	CACert  []byte `json:"ca_cert"`
	CAKey   []byte `json:"ca_key"`
}

// storageNoteFile holds the run's note on where the server's state sat: in the
// container's layered file system (see homeserver.OverlayHint), or on a
// volume where the run asked for memory (see docker.Container.OnDisk).
const storageNoteFile = "storage-note.txt"

// tuneRuntime fits the Go runtime to a test process, which waits on the
// homeserver most of the time, unless GOMAXPROCS or GOGC say otherwise.
// Measured on full runs against Dendrite, the two together cut the
// processes' CPU by about a third, with no change in wall time.
func tuneRuntime() {
	// With one P the scheduler no longer spins threads looking for work
	// each time a request completes (a fifth of the CPU went to that).
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	// A spec allocates briskly and keeps little: collect at a quarter of
	// the default frequency (a process's heap stays well under 100 MiB).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// Prepare runs on process 1 only, first in SynchronizedBeforeSuite: sweep
// what killed runs left, make sure the image exists, make the run's network
// and CA. It returns them for StartHomeserver on every process.
func (p *Process) Prepare(ctx ginkgo.SpecContext) []byte {
	_, err := p.loadExpectations()
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "reading the expectations of %s", p.cfg.HS)

	// The CA's RSA key takes the better part of a second to generate: it
	// grows while the image is checked and the network made.
	authority := make(chan caResult, 1)
	go func() {
		start := time.Now()
		ca, err := pki.NewCA("Herald run", pki.ContractBits)
		authority <- caResult{ca, err, time.Since(start)}
	}()

	swept, err := p.engine.SweepOrphans(ctx)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "removing leftovers of earlier runs")
	if swept.Containers+swept.Networks > 0 {
		fmt.Fprintf(ginkgo.GinkgoWriter, "removed %d container(s) and %d network(s) left by killed runs\n", swept.Containers, swept.Networks)
	}

	buildCtx, cancel := context.WithTimeout(ctx, p.cfg.Timeouts.Build)
	defer cancel()
	err = p.engine.EnsureImage(buildCtx, homeserver.Image(p.cfg, ginkgo.GinkgoWriter))
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "getting the homeserver image")

	os.Remove(filepath.Join(p.cfg.ReportPath(), storageNoteFile)) // an earlier run's
	id := newRunID()
	// From here on the teardown on this process (RemoveNetwork) sweeps the
	// run, even if an interrupt comes before StartHomeserver sets it again.
	p.runID = id
	net, err := p.engine.CreateNetwork(ctx, "herald-"+id, docker.Labels(id))
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	made := <-authority
	gomega.Expect(made.err).NotTo(gomega.HaveOccurred())
	fmt.Fprintf(ginkgo.GinkgoWriter, "run CA (RSA %d) made in %s\n", pki.ContractBits, made.took.Round(time.Millisecond))

	data, err := json.Marshal(shared{Run: id, Network: net.ID, CACert: made.ca.CertPEM, CAKey: made.ca.KeyPEM})
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	return data
}

// ulimits are the homeserver containers' limits: the engine's own, lowered
// where the run profile says.
func (p *Process) ulimits() map[string]int64 {
	limits := p.engine.Limits()
	for name, v := range p.cfg.Ulimits {
		limits[name] = v
	}
	return limits
}

type caResult struct {
	ca   *pki.CA
	err  error
	took time.Duration
}

// StartHomeserver runs on every process, second in SynchronizedBeforeSuite,
// with what Prepare made: it sets the expectations and the health guard
// every spec ends with, starts this process's homeserver and makes the bed
// ready.
func (p *Process) StartHomeserver(ctx ginkgo.SpecContext, data []byte) {
	tuneRuntime()
	var s shared
	gomega.Expect(json.Unmarshal(data, &s)).To(gomega.Succeed())
	entries, err := p.loadExpectations()
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	conformance.SetPolicy(conformance.NewPolicy(entries, p.cfg.Strict))
	conformance.GuardEverySpec("the homeserver still serves", p.guardHealth)

	p.runID = s.Run
	p.ca, err = pki.ParseCA(s.CACert, s.CAKey)
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	p.network, err = p.engine.OpenNetwork(ctx, s.Network)
	gomega.Expect(err).NotTo(gomega.HaveOccurred())

	proc := ginkgo.GinkgoParallelProcess()
	name := fmt.Sprintf("hs%d", proc)
	p.hs, err = homeserver.Start(ctx, homeserver.Options{
		Engine:        p.engine,
		Image:         p.cfg.Homeserver.Image,
		Network:       p.network,
		ServerName:    name,
		ContainerName: fmt.Sprintf("herald-%s-%s-%s", p.runID, p.cfg.HS, name),
		CA:            p.ca,
		Labels:        docker.Labels(p.runID),
		ReadyTimeout:  p.cfg.Timeouts.Ready,
		Tmpfs:         p.cfg.Homeserver.Tmpfs,
		Ulimits:       p.ulimits(),
	})
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "starting the homeserver under test")
	p.bed.Ready(p.cfg, p.hs, p.ca, p.network.Gateway)
	hs := p.hs
	if len(hs.OnDisk) > 0 {
		note := fmt.Sprintf("the image keeps files in %s, and Docker's memory mounts start empty: Herald gave %s an anonymous volume instead (on the host's disk, past the storage driver; Podman copies the files into memory).\n",
			strings.Join(hs.OnDisk, ", "), strings.Join(hs.OnDisk, ", "))
		os.MkdirAll(p.cfg.ReportPath(), 0o755)
		os.WriteFile(filepath.Join(p.cfg.ReportPath(), storageNoteFile), []byte(note), 0o644)
	}
	fmt.Fprintf(ginkgo.GinkgoWriter, "%s (%s) ready in %s at %s\n", hs.ServerName, hs.Image, hs.BootTime.Round(time.Millisecond), hs.ClientURL)
}

// loadExpectations reads the homeserver's known failures and checks that
// each names a spec that exists.
func (p *Process) loadExpectations() ([]conformance.Expectation, error) {
	entries, err := conformance.LoadExpectations(p.cfg.Homeserver.Expectations)
	if err != nil {
		return nil, err
	}
	known := knownIDs()
	err = conformance.CheckExpectations(entries, func(id string) bool { return known[id] })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.cfg.Homeserver.Expectations, err)
	}
	return entries, nil
}

// knownIDs is every spec ID and rule ID.
func knownIDs() map[string]bool {
	known := map[string]bool{}
	for _, id := range conformance.SpecIDs() {
		known[id] = true
	}
	for _, r := range conformance.Rules() {
		known[r.ID] = true
	}
	return known
}

func newRunID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

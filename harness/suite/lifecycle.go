package suite

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
	"herald/harness/expectations"
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

// teardownTimeout bounds cleanup, which must finish even after an interrupt.
const teardownTimeout = 60 * time.Second

var _ = ginkgo.SynchronizedBeforeSuite(prepareRun, startHomeserver)

var _ = ginkgo.SynchronizedAfterSuite(stopHomeserver, removeNetwork)

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

// prepareRun runs on process 1 only: sweep what killed runs left, make sure
// the image exists, make the run's network and CA.
func prepareRun(ctx ginkgo.SpecContext) []byte {
	_, err := loadExpectations()
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "reading the expectations of %s", cfg.HS)

	// The CA's RSA key takes the better part of a second to generate: it
	// grows while the image is checked and the network made.
	authority := make(chan caResult, 1)
	go func() {
		start := time.Now()
		ca, err := pki.NewCA("Herald run", pki.ContractBits)
		authority <- caResult{ca, err, time.Since(start)}
	}()

	swept, err := engine.SweepOrphans(ctx)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "removing leftovers of earlier runs")
	if swept.Containers+swept.Networks > 0 {
		fmt.Fprintf(ginkgo.GinkgoWriter, "removed %d container(s) and %d network(s) left by killed runs\n", swept.Containers, swept.Networks)
	}

	buildCtx, cancel := context.WithTimeout(ctx, cfg.Timeouts.Build)
	defer cancel()
	err = engine.EnsureImage(buildCtx, homeserver.Image(cfg, ginkgo.GinkgoWriter))
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "getting the homeserver image")

	os.Remove(filepath.Join(cfg.ReportPath(), storageNoteFile)) // an earlier run's
	id := newRunID()
	// From here on the teardown on this process (removeNetwork) sweeps the
	// run, even if an interrupt comes before startHomeserver sets run again.
	run = id
	net, err := engine.CreateNetwork(ctx, "herald-"+id, docker.Labels(id))
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
func ulimits() map[string]int64 {
	limits := engine.Limits()
	for name, v := range cfg.Ulimits {
		limits[name] = v
	}
	return limits
}

type caResult struct {
	ca   *pki.CA
	err  error
	took time.Duration
}

// startHomeserver runs on every process: start this process's homeserver.
func startHomeserver(ctx ginkgo.SpecContext, data []byte) {
	tuneRuntime()
	var s shared
	gomega.Expect(json.Unmarshal(data, &s)).To(gomega.Succeed())
	entries, err := loadExpectations()
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	conformance.SetPolicy(expectations.Policy(entries, cfg.Strict))
	conformance.GuardEverySpec("the homeserver still serves", guardHealth)

	run = s.Run
	ca, err = pki.ParseCA(s.CACert, s.CAKey)
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	network, err = engine.OpenNetwork(ctx, s.Network)
	gomega.Expect(err).NotTo(gomega.HaveOccurred())

	proc := ginkgo.GinkgoParallelProcess()
	name := fmt.Sprintf("hs%d", proc)
	hs, err = homeserver.Start(ctx, homeserver.Options{
		Engine:        engine,
		Image:         cfg.Homeserver.Image,
		Network:       network,
		ServerName:    name,
		ContainerName: fmt.Sprintf("herald-%s-%s-%s", run, cfg.HS, name),
		CA:            ca,
		Labels:        docker.Labels(run),
		ReadyTimeout:  cfg.Timeouts.Ready,
		Tmpfs:         cfg.Homeserver.Tmpfs,
		Ulimits:       ulimits(),
	})
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "starting the homeserver under test")
	if len(hs.OnDisk) > 0 {
		note := fmt.Sprintf("the image keeps files in %s, and Docker's memory mounts start empty: Herald gave %s an anonymous volume instead (on the host's disk, past the storage driver; Podman copies the files into memory).\n",
			strings.Join(hs.OnDisk, ", "), strings.Join(hs.OnDisk, ", "))
		os.MkdirAll(cfg.ReportPath(), 0o755)
		os.WriteFile(filepath.Join(cfg.ReportPath(), storageNoteFile), []byte(note), 0o644)
	}
	fmt.Fprintf(ginkgo.GinkgoWriter, "%s (%s) ready in %s at %s\n", hs.ServerName, hs.Image, hs.BootTime.Round(time.Millisecond), hs.ClientURL)
}

// stopHomeserver runs on every process after its last spec (also after an
// interrupt): keep the homeserver's log, then remove its container.
func stopHomeserver() {
	if hs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), teardownTimeout)
	defer cancel()
	saveLog(ctx, hs, ginkgo.GinkgoParallelProcess())
	hintCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	hint, err := hs.OverlayHint(hintCtx)
	stop()
	if err == nil && hint != "" {
		// Every process finds the same; the report prints it once.
		os.WriteFile(filepath.Join(cfg.ReportPath(), storageNoteFile), []byte(hint+"\n"), 0o644)
	}
	if cpu, err := hs.CPUTime(ctx); err == nil { // read by herald bench
		fmt.Fprintf(ginkgo.GinkgoWriter, "%s used %s of CPU\n", hs.ServerName, cpu.Round(time.Millisecond))
	}
	gomega.Expect(hs.Remove(ctx)).To(gomega.Succeed(), "removing the homeserver container")
}

// removeNetwork runs on process 1 after every process finished, and also
// sweeps anything of this run a crashed process left. It sweeps killed
// runs once more too: a create a run had in flight when it was killed can
// complete in the engine after this run's first sweep.
func removeNetwork() {
	if run == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), teardownTimeout)
	defer cancel()
	_, err := engine.SweepRun(ctx, run)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "removing this run's containers and network")
	_, err = engine.SweepOrphans(ctx)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "removing leftovers of killed runs")
}

// loadExpectations reads the homeserver's known failures and checks that
// each names a spec that exists.
func loadExpectations() ([]expectations.Entry, error) {
	entries, err := expectations.Load(cfg.Homeserver.Expectations)
	if err != nil {
		return nil, err
	}
	known := knownIDs()
	err = expectations.Check(entries, func(id string) bool { return known[id] })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Homeserver.Expectations, err)
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

// saveLog keeps the homeserver's whole log next to the reports.
func saveLog(ctx context.Context, hs *homeserver.Homeserver, proc int) {
	logs, err := hs.Logs(ctx, time.Time{})
	if err != nil {
		fmt.Fprintln(ginkgo.GinkgoWriter, "saving homeserver log:", err)
		return
	}
	dir := cfg.ReportPath()
	if err := os.MkdirAll(dir, 0o755); err == nil {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("homeserver-%d.log", proc)), logs, 0o644)
	}
}

func newRunID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

package mockhttp_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"herald/harness/federation"
	"herald/harness/identity"
	"herald/harness/mockhttp"
	"herald/harness/mockhttp/mocktest"
	"herald/harness/pki"
)

// Both mocks are judged by the one core: a problem in the journal of
// either fails the spec that started it, after its body or, through
// JudgedBy, as its body ends; AllowProblems lets it pass. The specs below
// run in a Ginkgo suite of their own, and TestMocksFailTheSpecOnTheirProblems
// checks how each ended.

// judging is how a spec asks a mock to judge its problems.
type judging struct {
	allowProblems bool
	judgedBy      func(judge func()) bool
}

// options turns j into a kind of mock's options, with its server named
// 127.0.0.1:<port>.
func options[O any](j judging, host func(string) O, allowProblems func() O, judgedBy func(func(func()) bool) O) []O {
	opts := []O{host("127.0.0.1")}
	if j.allowProblems {
		opts = append(opts, allowProblems())
	}
	if j.judgedBy != nil {
		opts = append(opts, judgedBy(j.judgedBy))
	}
	return opts
}

// mockKind starts one kind of mock in a spec.
type mockKind struct {
	name string
	// start starts a mock for the current spec and returns its name.
	start func(ctx context.Context, j judging) string
	// failure is how the spec's failure message starts.
	failure string
}

var mockKinds = []mockKind{
	{
		name: "identity",
		start: func(ctx context.Context, j judging) string {
			opts := options(j, identity.Host, identity.AllowProblems, identity.JudgedBy)
			return identity.NewServer(ctx, mockhttp.Env{CA: ca, Listen: mocktest.Loopback}, opts...).Name()
		},
		failure: "what the homeserver sent the mock identity server 127.0.0.1:",
	},
	{
		name: "federation",
		start: func(ctx context.Context, j judging) string {
			opts := options(j, federation.Host, federation.AllowProblems, federation.JudgedBy)
			return federation.NewServer(ctx, mockhttp.Env{CA: ca, Listen: mocktest.Loopback}, opts...).Name()
		},
		failure: "what the homeserver sent the mock 127.0.0.1:",
	},
}

// ca is the test CA, set before the suite runs.
var ca *pki.CA

// provoke sends the mock named name a request no route matches: a problem
// for every kind of mock.
func provoke(ctx context.Context, name string) {
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientConfig(name)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+name+"/_herald/nowhere", nil)
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	res, err := client.Do(req)
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	res.Body.Close()
}

// ended records how each spec of the suite ended, by its text.
var ended = map[string]ginkgo.SpecReport{}

var _ = ginkgo.Describe("a mock's problems", func() {
	ginkgo.ReportAfterEach(func(r ginkgo.SpecReport) { ended[r.LeafNodeText] = r })
	for _, k := range mockKinds {
		ginkgo.It(k.name+" fails the spec after its body", func(ctx ginkgo.SpecContext) {
			provoke(ctx, k.start(ctx, judging{}))
		})
		ginkgo.It(k.name+" fails the spec as its body ends, through JudgedBy", func(ctx ginkgo.SpecContext) {
			var judges []func()
			provoke(ctx, k.start(ctx, judging{judgedBy: func(judge func()) bool { judges = append(judges, judge); return true }}))
			gomega.Expect(judges).To(gomega.HaveLen(1))
			judges[0]() // as conformance runs the judges when the body ends
			ginkgo.Fail("the judge let the problem pass")
		})
		ginkgo.It(k.name+" passes the spec with AllowProblems", func(ctx ginkgo.SpecContext) {
			provoke(ctx, k.start(ctx, judging{allowProblems: true}))
		})
	}
})

// suiteOutcome is the testing.T RunSpecs reports to: the suite is meant to
// fail.
type suiteOutcome struct{ failed bool }

func (o *suiteOutcome) Fail() { o.failed = true }

func TestMocksFailTheSpecOnTheirProblems(t *testing.T) {
	ca = mocktest.CA(t)
	gomega.RegisterFailHandler(ginkgo.Fail)
	var outcome suiteOutcome
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	reporterConfig.Succinct, reporterConfig.NoColor = true, true
	ginkgo.RunSpecs(&outcome, "mock judging", suiteConfig, reporterConfig)
	for _, k := range mockKinds {
		for _, c := range []struct {
			spec      string
			wantFail  bool
			inTheBody bool
		}{
			{k.name + " fails the spec after its body", true, false},
			{k.name + " fails the spec as its body ends, through JudgedBy", true, true},
			{k.name + " passes the spec with AllowProblems", false, false},
		} {
			r, ok := ended[c.spec]
			switch {
			case !ok:
				t.Errorf("%s: did not run", c.spec)
			case !c.wantFail && r.State != types.SpecStatePassed:
				t.Errorf("%s: ended %s: %s", c.spec, r.State, r.Failure.Message)
			case c.wantFail && !strings.HasPrefix(r.Failure.Message, k.failure):
				t.Errorf("%s: ended %s with %q, want a failure starting %q", c.spec, r.State, r.Failure.Message, k.failure)
			case c.wantFail && (r.Failure.FailureNodeType == types.NodeTypeIt) != c.inTheBody:
				t.Errorf("%s: failed in %s", c.spec, r.Failure.FailureNodeType)
			}
		}
	}
	if !outcome.failed {
		t.Error("the suite passed, though some of its specs must fail")
	}
}

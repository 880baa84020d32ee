# Herald — Matrix federation invite conformance harness.
# `make conformance` tests one homeserver image; `make test` is the project's own test.

SHELL := /bin/bash
GO ?= go
GINKGO ?= $(GO) tool ginkgo
# Defaults come from ginkgo.yaml; these variables override it.
PROCS ?= $(shell sed -n 's/^procs: *\([0-9]*\).*/\1/p' ginkgo.yaml)
export HS HS_IMAGE LABELS REPORT_DIR STRICT

.PHONY: contract conformance expectations images report bench repeat debris mutants test vet unit catalogue catalogue-check selftest clean help

help:
	@echo "make conformance   test a homeserver (HS=synapse|dendrite, or HS_IMAGE=<image>)"
	@echo "make test          go vet, unit tests, the suites against Synapse and Dendrite, the mutants, the contract check, then the debris check"
	@echo "make expectations  rewrite fixtures/expectations/<hs>.yaml from the last run of HS, keeping reasons; prints the difference"
	@echo "make report        render reports/index.html and reports/matrix.md (homeserver × area × room version)"
	@echo "make bench         time every suite against Synapse and Dendrite (builds, boot, wall, specs/s, CPU, RSS; COLD=1 adds cold builds)"
	@echo "make repeat        run every suite RUNS times (default 20) in random order and fail on any changed outcome (HS= for one server)"
	@echo "make debris        signal runs at start, boot and mid-run, kill one beside a live run; fail if anything is left behind (HS= for one server)"
	@echo "make mutants       break one invite rule at a time in the server's code (fixtures/mutants/<hs>.yaml) and fail unless the specs catch it (MUTANTS=a,b for some)"
	@echo "make contract      run the contract specs against Dendrite's own Complement image, built from its source"
	@echo "make images        build every homeserver image (offline-capable)"
	@echo "make catalogue     regenerate docs/CONFORMANCE.md and docs/COVERAGE.md from the specs and docs/statements.yaml"
	@echo "make clean         remove every container, network and image Herald made"

# Ensure the image (building it if missing), then run every suite against it.
conformance:
	@$(GO) run ./cmd/herald images
	$(GINKGO) -p --procs=$(PROCS) ./suites/...

images:
	$(GO) run ./cmd/herald images

# Refresh HS's expectations from its last run (reports/<hs>/report.json).
expectations:
	$(GO) run ./cmd/herald expectations

# Where the time goes: boot, wall per area, specs/s, harness CPU, peak RSS.
bench:
	$(GO) run ./cmd/herald bench $(if $(COLD),--cold) $(HS)

# Flake hunt: the same outcomes, run after run, whatever the order.
RUNS ?= 20
repeat:
	$(GO) run ./cmd/herald repeat -n $(RUNS) $(HS)

# Nothing left behind: runs interrupted (SIGINT, SIGTERM) at their start,
# boot and mid-run, and a killed run swept by the next beside a live one.
debris:
	$(GO) run ./cmd/herald debris $(HS)

# Herald catches a server that breaks one rule: each mutant of
# fixtures/mutants/<hs>.yaml (default synapse) is the server's image with one
# rule broken in its code; its specs must newly fail. MUTANTS=a,b runs some.
mutants:
	$(GO) run ./cmd/herald mutants $(if $(MUTANTS),--only=$(MUTANTS)) $(or $(HS),synapse)

# The conformance matrix of every reports/<hs>/ present.
report:
	$(GO) run ./cmd/herald report

test: vet catalogue-check unit selftest mutants contract debris

# Images Herald did not write run unchanged: Dendrite's own Complement image,
# built from its published source, against the specs labelled contract.
contract:
	$(MAKE) conformance HS=dendrite-complement HS_IMAGE= LABELS=contract

# vet finds Herald's printf-like helpers itself; message functions passed
# as parameters it cannot follow, so they end in f and are named here.
# Gomega's descriptions (Expect(x).To(m, "format", args…)) are beyond
# vet's printf check: a test in harness/layers reads them.
PRINTF_FUNCS := rejectf,badf,logf

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet -printf.funcs=$(PRINTF_FUNCS) ./...
	$(GO) test -run TestDescriptions ./harness/layers/

unit:
	$(GO) test -race ./harness/... ./cmd/... ./suites/thirdparty/ ./suites/blocking/ ./suites/invite/ ./suites/outbound/ ./suites/membership/

# docs/CONFORMANCE.md is generated from the specs (a Ginkgo dry run), and
# docs/COVERAGE.md from them and docs/statements.yaml, which it checks.
catalogue:
	HERALD_CATALOGUE=$(CURDIR)/docs/CONFORMANCE.md HERALD_COVERAGE=$(CURDIR)/docs/COVERAGE.md $(GINKGO) --dry-run ./suites/ >/dev/null

# It also checks docs/statements.yaml (every rule cites a statement, every
# statement names rules that exist, or gives a reason) and every
# expectations file: it names only specs that exist and holds no entry a
# person has yet to finish (a placeholder reason).
catalogue-check:
	@tmp=$$(mktemp); cov=$$(mktemp); out=$$(mktemp); \
	  if ! HERALD_CATALOGUE=$$tmp HERALD_COVERAGE=$$cov HERALD_CHECK_EXPECTATIONS=1 $(GINKGO) --dry-run ./suites/ >$$out 2>&1; then \
	    grep -h '^herald:' $$out || cat $$out; rm -f $$tmp $$cov $$out; exit 1; fi; \
	  diff -u docs/CONFORMANCE.md $$tmp >/dev/null || { echo "docs/CONFORMANCE.md is out of date: run make catalogue"; rm -f $$tmp $$cov $$out; exit 1; }; \
	  diff -u docs/COVERAGE.md $$cov >/dev/null || { echo "docs/COVERAGE.md is out of date: run make catalogue"; rm -f $$tmp $$cov $$out; exit 1; }; rm -f $$tmp $$cov $$out

# The end-to-end self-test: every suite against both homeservers, each
# judged by its expectations file.
selftest:
	$(MAKE) conformance HS=synapse HS_IMAGE=
	$(MAKE) conformance HS=dendrite HS_IMAGE=

clean:
	$(GO) run ./cmd/herald clean
	rm -rf reports

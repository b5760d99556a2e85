# The documented entry points. CI calls `make test`.
GO ?= go

.PHONY: test vet lint build serve bench load proxy-bench soak proxy-soak fuzz readme sdk-deps sdk-matrix screenshots mingo

test: vet
	$(GO) test -race -count=1 ./...

# golangci-lint v2 with .golangci.yml. `make vet` (and so `make test`) runs
# it when a v2 binary is on PATH or in $GOPATH/bin, and says it skipped it
# otherwise, so a fresh machine needs nothing but Go; `make vet
# GOLANGCI_LINT=` skips it. `make lint` always runs the pinned version,
# built through the module proxy on first use (minutes, then cached).
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT ?= $(or $(shell command -v golangci-lint 2>/dev/null),$(shell $(GO) env GOPATH)/bin/golangci-lint)

vet:
	$(GO) vet ./...
	@if [ -z "$(GOLANGCI_LINT)" ]; then exit 0; fi; \
	case "$$($(GOLANGCI_LINT) version 2>/dev/null)" in \
	*"version 2."*|*"version v2."*) echo "$(GOLANGCI_LINT) run ./..."; $(GOLANGCI_LINT) run --allow-parallel-runners ./... ;; \
	*) echo "vet: golangci-lint v2 not found; skipped it (make lint runs $(GOLANGCI_LINT_VERSION))" ;; \
	esac

lint:
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION) run ./...

# The oldest Go that go.mod's go line promises builds and vets the module
# (the toolchain comes from the module proxy, like any GOTOOLCHAIN switch).
mingo:
	GOTOOLCHAIN=go$$($(GO) mod edit -json | sed -n 's/^[[:space:]]*"Go": "\(.*\)",*$$/\1/p') $(GO) vet ./...

build:
	$(GO) build -o bin/authchaos ./cmd/authchaos

serve:
	$(GO) run ./cmd/authchaos serve

bench:
	@out=$$($(GO) test -run='^$$' -bench='^Benchmark(ProtectedEndpoint|BareHandler|TokenIssuance|ES256Sign)$$' -cpu 1,2 -benchmem ./fakeserver/) || { echo "$$out"; exit 1; }; \
	echo "$$out"; echo; \
	echo "$$out" | awk '/^BenchmarkProtectedEndpoint /{p=$$3} /^BenchmarkBareHandler /{b=$$3} \
		/^BenchmarkTokenIssuance /{t1=$$3} /^BenchmarkTokenIssuance-2 /{t2=$$3} /^BenchmarkES256Sign /{s1=$$3} /^BenchmarkES256Sign-2 /{s2=$$3} \
		END { if (!p || !b || !t1 || !t2 || !s1 || !s2) { print "bench: a benchmark result is missing"; exit 1 } \
		printf "fake server protected endpoint: %.1fx the cost of a bare net/http handler\n", p/b; \
		printf "token issuance (client_credentials): %.0f grants/s on 1 goroutine, %.0f on 2\n", 1e9/t1, 1e9/t2; \
		printf "raw ES256 signing (go-jose):         %.0f signs/s on 1 goroutine, %.0f on 2\n", 1e9/s1, 1e9/s2; \
		printf "issuance / signing: %.2fx on 1 goroutine, %.2fx on 2\n", s1/t1, s2/t2 }'

# Loopback load: concurrent keep-alive clients against the fake server and
# against a bare net/http server, in the same run; prints the throughput ratio.
LOADTIME ?= 3s
load:
	@out=$$($(GO) test -run='^$$' -bench='^BenchmarkLoad' -benchtime=$(LOADTIME) ./fakeserver/) || { echo "$$out"; exit 1; }; \
	echo "$$out"; echo; \
	echo "$$out" | awk '/^BenchmarkLoadProtected/ {p=$$3} /^BenchmarkLoadBare/ {b=$$3} \
		END { if (!p || !b) { print "load: a benchmark result is missing"; exit 1 } \
		printf "loopback load: fake server %.0f req/s, bare net/http %.0f req/s: %.2fx the throughput of the baseline\n", 1e9/p, 1e9/b, b/p }'

# Proxy throughput: authchaos proxy (healthy, then waf-block on 10% of
# requests) and a bare httputil.ReverseProxy in front of the same loopback
# upstream. PROXYCOUNT rounds, each running the three back to back so they
# share the machine's load of the moment, averaged; prints the ratios to
# the baseline. Then the same trio in process, with no network (the
# proxy's own CPU cost). Never a pass/fail on time.
PROXYBENCHTIME ?= 2s
PROXYCOUNT ?= 3
proxy-bench:
	@out=$$(for i in $$(seq $(PROXYCOUNT)); do $(GO) test -run='^$$' -bench='^BenchmarkProxy' -benchtime=$(PROXYBENCHTIME) -count=1 ./fakeserver/ || exit 1; done) || { echo "$$out"; exit 1; }; \
	echo "$$out" | grep '^Benchmark'; echo; \
	echo "$$out" | awk '/^BenchmarkProxyBare/ {b+=$$3; nb++} /^BenchmarkProxyNoScenario/ {n+=$$3; nn++} /^BenchmarkProxyFrontLayer10/ {f+=$$3; nf++} \
		END { if (!nb || !nn || !nf) { print "proxy-bench: a benchmark result is missing"; exit 1 } \
		b/=nb; n/=nn; f/=nf; \
		printf "bare httputil.ReverseProxy:          %.0f req/s\n", 1e9/b; \
		printf "authchaos proxy, no scenario:        %.0f req/s: %.2fx the baseline (target >= 0.9x)\n", 1e9/n, b/n; \
		printf "authchaos proxy, waf-block on 10%%:   %.0f req/s: %.2fx the baseline (target >= 0.8x)\n", 1e9/f, b/f }'
	@out=$$(for i in $$(seq $(PROXYCOUNT)); do $(GO) test -run='^$$' -bench='^BenchmarkProxyInProcess' -benchtime=$(PROXYBENCHTIME) -count=1 ./fakeserver/ || exit 1; done) || { echo "$$out"; exit 1; }; \
	echo; echo "$$out" | grep '^Benchmark'; echo; \
	echo "$$out" | awk '/^BenchmarkProxyInProcessBare/ {b+=$$3; nb++} /^BenchmarkProxyInProcessNoScenario/ {n+=$$3; nn++} /^BenchmarkProxyInProcessFrontLayer10/ {f+=$$3; nf++} \
		END { if (!nb || !nn || !nf) { print "proxy-bench: an in-process result is missing"; exit 1 } \
		b/=nb; n/=nn; f/=nf; \
		printf "in process, no network (the proxy'"'"'s own CPU cost):\n"; \
		printf "  bare httputil.ReverseProxy %.1f us/request; authchaos proxy %.1f us (%.2fx the throughput), with waf-block on 10%% %.1f us (%.2fx)\n", b/1e3, n/1e3, b/n, f/1e3, b/f }'

# Soak: a million requests of the kinds that keep state, in process; prints
# the resident set after every tenth and the rate, and fails if it moves
# more than 15 MB over the second half.
SOAKN ?= 1000000
soak:
	AUTHCHAOS_SOAK=$(SOAKN) $(GO) test -count=1 -run '^TestSoak$$' -v -timeout 30m ./fakeserver/ | grep -E 'soak:|FAIL|^ok'

# The same through the proxy in upstream mode, to a loopback upstream.
proxy-soak:
	AUTHCHAOS_PROXY_SOAK=$(SOAKN) $(GO) test -count=1 -run '^TestProxySoak$$' -v -timeout 30m ./fakeserver/ | grep -E 'soak:|FAIL|^ok'

# Each target fuzzes for FUZZTIME. Minimising a new interesting input is
# bounded too (Go's default is 60s per input, which ate FuzzParse's budget).
FUZZTIME ?= 20s
FUZZMINIMIZETIME ?= 5s
FUZZ = $(GO) test -run='^$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZETIME)
fuzz:
	$(FUZZ) -fuzz='^FuzzParseAuthorization$$' ./internal/authn/
	$(FUZZ) -fuzz='^FuzzAuthParams$$' ./internal/authn/
	$(FUZZ) -fuzz='^FuzzParse$$' ./fakeserver/config/
	$(FUZZ) -fuzz='^FuzzVerifyToken$$' ./fakeserver/
	$(FUZZ) -fuzz='^FuzzAPIRequest$$' ./fakeserver/
	$(FUZZ) -fuzz='^FuzzLoginBody$$' ./fakeserver/
	$(FUZZ) -fuzz='^FuzzDPoPProof$$' ./fakeserver/
	$(FUZZ) -fuzz='^FuzzDispatch$$' ./suites/driver/
	$(FUZZ) -fuzz='^FuzzTailBuffer$$' ./suites/driver/
	$(FUZZ) -fuzz='^FuzzParseChallenges$$' ./clients/resilient/
	$(FUZZ) -fuzz='^FuzzParseJournal$$' ./suites/

readme:
	$(GO) test ./internal/catalogdoc/ -run TestReadmeTableMatchesCatalog -update

# The real-SDK matrix (examples/sdks): install the SDKs it drives, then
# run it. `make test` runs it too once the SDKs are installed.
sdk-deps:
	cd examples/sdks/node && npm ci --no-audit --no-fund
	command -v apt-get >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-google-auth python3-requests >/dev/null || true

sdk-matrix: sdk-deps
	AUTHCHAOS_SDK_MATRIX=1 $(GO) test -count=1 -v -run TestSDKMatrix ./examples/sdks/

# The live view's README screenshots, at 1024x768 and 1920x1080, taken by
# the browser tests in headless Chromium (apt-get install chromium).
screenshots:
	mkdir -p docs
	AUTHCHAOS_SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -run '^TestLiveViewInBrowser$$/^screenshots$$' ./fakeserver/

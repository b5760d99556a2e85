# The documented entry points. CI calls `make test`.
GO ?= go

.PHONY: test vet build serve bench fuzz run-resilient tidy

test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

build:
	$(GO) build -o bin/authchaos ./cmd/authchaos

serve:
	$(GO) run ./cmd/authchaos serve

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./fakeserver/

FUZZTIME ?= 20s
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParseAuthorization -fuzztime=$(FUZZTIME) ./internal/authn/
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZTIME) ./internal/config/

readme:
	$(GO) test ./internal/catalogdoc/ -run TestReadmeTableMatchesCatalog -update

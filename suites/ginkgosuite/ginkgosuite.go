// Package ginkgosuite declares the recovery suites as ginkgo specs, for
// an SDK whose own tests run under ginkgo: one line declares a spec per
// scenario.
//
//	var _ = ginkgosuite.Describe("my-sdk", mysdk.AuthchaosFactory)
//
// It is a package of its own so that importing package suites (or
// building the authchaos binary) never links ginkgo; plain `go test`
// users call suites.Test instead.
//
// Every spec, and every failure, is reported at the line that called
// Describe, not inside this package, so an editor's jump-to-failure lands
// in the SDK's own test file.
package ginkgosuite

import (
	"context"
	"errors"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

// Describe declares one ginkgo spec per scenario for the client the
// factory builds. Specs are labelled with the recovery kind and
// category, so `ginkgo --label-filter=refresh` narrows a run; each spec
// starts its own fake server on free ports, so `ginkgo -p` is safe. A
// failed spec states what the client did wrong, one finding a line,
// and carries the calls and the journal as a report entry.
func Describe(client string, factory adapter.Factory, opts ...func(*suites.Options)) bool {
	// The caller's line: where specs and failures are reported.
	at := types.NewCodeLocation(1)
	o := suites.Options{Client: client, Factory: factory}
	for _, opt := range opts {
		opt(&o)
	}
	return ginkgo.Describe("authchaos recovery of "+client, at, func() {
		selected, err := suites.Select(o.Scenarios)
		if err == nil && o.Variants {
			selected, err = suites.WithVariants(selected)
		}
		if err != nil {
			ginkgo.It("selects scenarios", at, func() { failAt(at, err.Error()) })
			return
		}
		for _, sc := range selected {
			ginkgo.It(sc.Label()+" → "+string(sc.Recovery), at, ginkgo.Label(string(sc.Recovery), sc.Category), func(ctx ginkgo.SpecContext) {
				res := suites.RunScenario(context.Context(ctx), sc, o)
				switch res.Verdict {
				case suites.Skip:
					ginkgo.Skip(res.Detail)
				case suites.NotRun:
					ginkgo.Skip(res.Detail) // the suite was interrupted; ginkgo reports that itself
				case suites.Fail:
					if ev := res.Evidence(); ev != "" {
						ginkgo.AddReportEntry("authchaos evidence: "+res.Scenario, ev, ginkgo.ReportEntryVisibilityFailureOrVerbose, at)
					}
					failAt(at, res.Scenario+": "+findings(res))
				}
				// A passing spec's advisories show in the report and in
				// -v runs, apart from failures.
				if len(res.Advisories) > 0 && (res.Verdict != suites.Fail || len(res.Findings) > 0) {
					ginkgo.AddReportEntry("advisories", "advisory: "+strings.Join(res.Advisories, "\nadvisory: "), at)
				}
			})
		}
	})
}

// failAt fails the running spec at location at. ginkgo.Fail takes its
// location from the stack, which at run time holds only this package
// and ginkgo; a DeferCleanup node takes a location, and the error its
// callback returns fails the spec there, before any other cleanup the
// spec registered.
func failAt(at types.CodeLocation, msg string) {
	err := errors.New(msg)
	ginkgo.DeferCleanup(func() error { return err }, at)
}

// findings is one finding a line, then what the client logged.
func findings(res suites.Result) string {
	var lines []string
	switch {
	case len(res.Findings) == 0 && len(res.Advisories) > 0: // failed under WithStrict
		for _, a := range res.Advisories {
			lines = append(lines, "advisory (strict): "+a)
		}
	case len(res.Findings) > 0:
		lines = append(lines, res.Findings...)
		if _, stderr, ok := strings.Cut(res.Detail, "\nclient stderr:\n"); ok {
			lines = append(lines, "client stderr:", stderr)
		}
	default:
		lines = append(lines, res.Detail)
	}
	return strings.Join(lines, "\n")
}

// WithScenarios narrows Describe to some scenario ids (or variants,
// ID:key=value,...); it is suites.WithScenarios, here so one import does.
func WithScenarios(ids ...string) func(*suites.Options) { return suites.WithScenarios(ids...) }

// WithDeclaredVariants adds a spec for every variant each scenario
// declares (`run --variants`).
func WithDeclaredVariants() func(*suites.Options) { return suites.WithDeclaredVariants() }

// WithStrict makes Describe fail specs on advisories too.
func WithStrict() func(*suites.Options) { return suites.WithStrict() }

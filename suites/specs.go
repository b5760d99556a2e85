package suites

import (
	"context"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/authchaos/authchaos/suites/adapter"
)

// Describe declares one ginkgo spec per scenario for the client the
// factory builds, so an SDK's own suite runs the whole catalog with one
// line:
//
//	var _ = suites.Describe("my-sdk", mysdk.Factory)
//
// Specs are labelled with the recovery kind and category, so
// `ginkgo --label-filter=refresh` narrows a run; each spec starts its
// own fake server on free ports, so `ginkgo -p` is safe. A failed spec
// states what the client did wrong, from the journal.
func Describe(client string, factory adapter.Factory, opts ...func(*Options)) bool {
	o := Options{Client: client, Factory: factory}
	for _, opt := range opts {
		opt(&o)
	}
	return ginkgo.Describe("authchaos recovery of "+client, func() {
		selected, err := Select(o.Scenarios)
		if err == nil && o.Variants {
			selected, err = WithVariants(selected)
		}
		if err != nil {
			ginkgo.It("selects scenarios", func() { ginkgo.Fail(err.Error()) })
			return
		}
		for _, sc := range selected {
			ginkgo.It(sc.Label()+" → "+string(sc.Recovery), ginkgo.Label(string(sc.Recovery), sc.Category), func(ctx ginkgo.SpecContext) {
				res := RunScenario(context.Context(ctx), sc, o)
				switch res.Verdict {
				case Skip:
					ginkgo.Skip(res.Detail)
				case Fail:
					ginkgo.Fail(sc.Label() + ": " + strings.Join(failureLines(res), "\n") + detailTail(res))
				}
				reportAdvisories(res)
			})
		}
	})
}

func detailTail(res Result) string {
	if len(res.Findings) == 0 {
		return res.Detail
	}
	if _, stderr, ok := strings.Cut(res.Detail, "\nclient stderr:\n"); ok {
		return "\nclient stderr:\n" + stderr
	}
	return ""
}

// WithDeclaredVariants adds a spec for every variant each scenario
// declares (`run --variants`).
func WithDeclaredVariants() func(*Options) {
	return func(o *Options) { o.Variants = true }
}

// WithStrict makes Describe fail specs on advisories too.
func WithStrict() func(*Options) {
	return func(o *Options) { o.Strict = true }
}

// WithScenarios narrows Describe to some scenario ids.
func WithScenarios(ids ...string) func(*Options) {
	return func(o *Options) { o.Scenarios = ids }
}

// failureLines are what failed a spec: the findings, or under Strict the
// advisories alone.
func failureLines(res Result) []string {
	if len(res.Findings) == 0 && len(res.Advisories) > 0 {
		return prefixed("advisory (strict): ", res.Advisories)
	}
	return res.Findings
}

// reportAdvisories attaches a passing spec's advisories to the ginkgo
// report, apart from failures: they show in the report and in -v runs.
func reportAdvisories(res Result) {
	if len(res.Advisories) > 0 {
		ginkgo.AddReportEntry("advisories", strings.Join(prefixed("advisory: ", res.Advisories), "\n"))
	}
}

func prefixed(p string, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = p + l
	}
	return out
}

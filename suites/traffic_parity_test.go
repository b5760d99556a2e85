package suites_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/clients/naive"
	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

// parityGaps are the scenarios where JudgeTraffic, reading the journal
// alone, does not reach run's verdict, per client, with why. The README's
// parity table says the same; the spec fails when a gap opens or closes,
// so the table cannot drift from what is measured.
var parityGaps = map[string]map[string]string{
	"resilient": {
		// Within the tolerance: no call is ever refused, so there is
		// no recovery to judge. run passes it because nothing failed.
		"clock-skew:skew=90s": "nothing to judge: no 401 in the window",
	},
	"resilient+no-retry-after-refresh": {},
	"resilient+refresh-loop":           {},
	"resilient+refresh-on-403":         {},
	"resilient+leak-on-redirect":       {},
	"resilient+ignore-retry-after":     {},
	"resilient+reuse-rotated-refresh":  {},
	"resilient+no-single-flight":       {},
	"resilient+retry-wrong-password":   {},
	"resilient+no-replaced-check":      {},
	"naive": {
		// naive sends the session cookie wherever it goes, so the server
		// never refuses it: the journal shows two healthy requests, and
		// what was wrong (a cookie for another domain, sent anyway) is
		// in no entry. run knows the scenario refuses a correct client.
		"cookie-domain-mismatch": "nothing to judge: no refusal in the window",
		// naive asks for every scope up front, so the route never says
		// insufficient_scope: run passes a client that was never put to
		// the test, judge says so.
		"scope-mismatch":      "nothing to judge: no insufficient_scope in the window",
		"clock-skew:skew=90s": "nothing to judge: no 401 in the window",
	},
}

// labelled is the scenario, variant included, a result is labelled with.
func labelled(label string) *scenarios.Scenario {
	GinkgoHelper()
	id, given, err := scenarios.ParseLabel(label)
	Expect(err).NotTo(HaveOccurred(), label)
	sc, ok := scenarios.Lookup(id)
	Expect(ok).To(BeTrue(), label)
	sc, err = sc.With(given)
	Expect(err).NotTo(HaveOccurred(), label)
	return sc
}

// expectOf is what a user tells `judge --expect` about a scenario: how a
// correct client's last call ends.
func expectOf(sc *scenarios.Scenario) suites.Expectation {
	steps := sc.Workload.Steps
	for i := len(steps) - 1; i >= 0; i-- {
		if c := steps[i].Call; c != nil {
			if c.MayFail {
				return suites.ExpectAny
			}
			break
		}
	}
	if s := sc.Workload.Expect.Status; s >= 200 && s <= 299 {
		return suites.ExpectSuccess
	}
	return suites.ExpectFailure
}

// The "done when": judge, given only each scenario's journal and
// its recovery kind, agrees with run's verdict for the reference client
// and the naive client.
var _ = Describe("JudgeTraffic parity with run", func() {
	type client struct {
		name     string
		factory  adapter.Factory
		variants bool
	}
	// The two clients of the issue, over every variant too, and the
	// reference client broken by each known bug, whose failures are the
	// ones judge must find without the workload.
	clients := []client{{"resilient", resilient.Factory(), true}, {"naive", naive.Factory(), true}}
	for _, name := range resilient.BugNames() {
		bugs, err := resilient.ParseBug(name)
		if err != nil {
			panic(err)
		}
		clients = append(clients, client{"resilient+" + name, resilient.Factory(resilient.WithBugs(bugs)), false})
	}
	for _, client := range clients {
		It("gives "+client.name+" run's verdict in every catalog scenario it can judge", func(ctx SpecContext) {
			rep, err := suites.Run(ctx, suites.Options{Client: client.name, Factory: client.factory, Variants: client.variants})
			Expect(err).NotTo(HaveOccurred())
			var agree, judged, skipped int
			var notJudgeable []string
			gaps := map[string]string{}
			var table strings.Builder
			for _, r := range rep.Results {
				if r.Verdict == suites.Skip {
					skipped++
					continue
				}
				sc := labelled(r.Scenario)
				tr, err := suites.JudgeTraffic(sc.Recovery, r.Journal, suites.TrafficOptions{Expect: expectOf(sc)})
				if errors.Is(err, suites.ErrNotJudgeable) {
					notJudgeable = append(notJudgeable, r.Scenario)
					continue
				}
				Expect(err).NotTo(HaveOccurred(), r.Scenario)
				judged++
				fmt.Fprintf(&table, "%-28s %-14s run=%-4s judge=%-16s %s\n", r.Scenario, sc.Recovery, r.Verdict, tr.Verdict, tr.Detail)
				if tr.Verdict == r.Verdict {
					agree++
					continue
				}
				gaps[r.Scenario] = fmt.Sprintf("run %s, judge %s: %s", r.Verdict, tr.Verdict, tr.Detail)
			}
			summary := fmt.Sprintf("parity %s: %d of %d judged scenarios agree; %d skipped by the client; not judgeable from traffic: %v",
				client.name, agree, judged, skipped, notJudgeable)
			AddReportEntry("parity "+client.name, summary+"\n"+table.String(), ReportEntryVisibilityFailureOrVerbose)
			if path := os.Getenv("AUTHCHAOS_PARITY_OUT"); path != "" {
				f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
				Expect(err).NotTo(HaveOccurred())
				fmt.Fprintf(f, "%s\n%s\n", summary, table.String())
				Expect(f.Close()).To(Succeed())
			}
			Expect(judged).To(BeNumerically(">", 20), "the parity check would prove nothing")
			var want, got []string
			for id := range parityGaps[client.name] {
				want = append(want, id)
			}
			for id := range gaps {
				got = append(got, id)
			}
			slices.Sort(want)
			slices.Sort(got)
			Expect(got).To(Equal(want), "scenarios where judge and run disagree for %s (update parityGaps and README's parity table):\n%v", client.name, gaps)
		})
	}
})

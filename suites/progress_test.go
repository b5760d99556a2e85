package suites_test

import (
	"context"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

// ctxClient answers 200 at once, or, when stuck, waits for its context
// as a well-behaved SDK blocked on the network does.
type ctxClient struct{ stuck bool }

func (c ctxClient) Do(ctx context.Context, _ adapter.Call) adapter.Result {
	if c.stuck {
		<-ctx.Done()
		return adapter.Result{Error: "request canceled: " + ctx.Err().Error()}
	}
	return adapter.Result{Status: 200}
}

func (ctxClient) Close() error { return nil }

type events struct {
	mu   sync.Mutex
	list []suites.Event
}

func (e *events) add(ev suites.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, ev)
}

func (e *events) kinds(scenario string) []suites.EventKind {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []suites.EventKind
	for _, ev := range e.list {
		if ev.Scenario == scenario && (len(out) == 0 || out[len(out)-1] != ev.Kind) {
			out = append(out, ev.Kind)
		}
	}
	return out
}

var _ = Describe("Run's progress", func() {
	It("reports each scenario's start and finish, and heartbeats while a call waits", func(ctx SpecContext) {
		var ev events
		slow := func(ctx context.Context, t adapter.Target) (adapter.Client, error) {
			return ctxClient{stuck: true}, nil
		}
		rep, err := suites.Run(ctx, suites.Options{Client: "slow", Factory: slow, Scenarios: []string{"expired-token"},
			CallTimeout: 200 * time.Millisecond, Heartbeat: 20 * time.Millisecond, Progress: ev.add})
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Results[0].Verdict).To(Equal(suites.Fail))
		kinds := ev.kinds("expired-token")
		Expect(kinds[0]).To(Equal(suites.ScenarioStarted))
		Expect(kinds).To(ContainElement(suites.Waiting))
		Expect(kinds[len(kinds)-1]).To(Equal(suites.ScenarioFinished))
		var steps []string
		for _, e := range ev.list {
			if e.Kind == suites.Waiting {
				steps = append(steps, e.Step)
				Expect(e.Waited).To(BeNumerically(">=", 20*time.Millisecond))
			}
		}
		Expect(steps).To(ContainElements("call 1 of 2", "call 2 of 2"))
		last := ev.list[len(ev.list)-1]
		Expect(last.Kind).To(Equal(suites.ScenarioFinished))
		Expect(last.Result.Verdict).To(Equal(suites.Fail))
	})

	It("marks what an interrupt kept from finishing not-run, and blames no client for it", func(ctx SpecContext) {
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		var ev events
		// expired-token gets a client stuck on its first call; once it is
		// waiting, the run is interrupted.
		factory := func(ctx context.Context, t adapter.Target) (adapter.Client, error) {
			if t.Auth == adapter.AuthOAuth2Password {
				return ctxClient{stuck: true}, nil
			}
			return resilient.Factory()(ctx, t)
		}
		progress := func(e suites.Event) {
			ev.add(e)
			// Only the stuck call interrupts: under load another scenario's
			// configuration may be slow enough for a heartbeat too.
			if e.Kind == suites.Waiting && e.Scenario == "expired-token" && strings.HasPrefix(e.Step, "call ") {
				cancel()
			}
		}
		rep, err := suites.Run(runCtx, suites.Options{Client: "stuck", Factory: factory, Parallel: 3,
			Scenarios:   []string{"forbidden-not-unauthorized", "expired-token", "waf-block"},
			CallTimeout: 10 * time.Second, Heartbeat: 20 * time.Millisecond, Progress: progress})
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Interrupted).To(BeTrue())
		Expect(rep.Failed).To(BeZero())
		for _, r := range rep.Results {
			Expect(r.Verdict).To(BeElementOf(suites.Pass, suites.NotRun), r.Scenario+": "+r.Detail)
			if r.Scenario == "expired-token" {
				Expect(r.Verdict).To(Equal(suites.NotRun))
				Expect(r.Detail).To(ContainSubstring("interrupted during call 1 of 2"))
			}
		}
		Expect(rep.NotRun).To(BeNumerically(">=", 1))
		Expect(rep.Summary()).To(MatchRegexp(`^INTERRUPTED: \d of 3 scenarios not run, 0 failed`))
	})
})

// Package chaostest runs the fake auth server for the clients' tests: one
// server per test with a scenario active, the Target the suites would give
// a client, and a back-off sleep that moves the server's virtual clock
// instead of waiting, so no test sleeps.
package chaostest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/fakeservertest"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

// Server starts a fake server with scenario active ("" for a healthy one)
// and closes it when the test ends.
func Server(t testing.TB, scenario string, params map[string]string) *fakeserver.Server {
	t.Helper()
	srv := fakeservertest.Start(t)
	if scenario != "" {
		srv.MustApply(t, fakeserver.Activation{{ID: scenario, Params: params}})
	}
	return srv.Server
}

// Target is what the suites tell a client of the given auth kind about s:
// every default credential, scope read, and the OTP URL.
func Target(s *fakeserver.Server, auth adapter.AuthKind) adapter.Target {
	return fakeservertest.Target(s, auth)
}

// Clock is a back-off sleep for a client under test: it advances the fake
// server's virtual clock by what it is asked to wait, and records it.
type Clock struct {
	s     *fakeserver.Server
	mu    sync.Mutex
	waits []time.Duration
}

// NewClock returns a Clock for s.
func NewClock(s *fakeserver.Server) *Clock { return &Clock{s: s} }

// Sleep is the func the resilient client's WithSleep takes.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	c.s.Advance(d)
	return nil
}

// Waits returns what the client asked to wait, in order.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// Get is a GET call.
func Get(path string) adapter.Call { return adapter.Call{Method: "GET", Path: path} }

// Run drives c through sc's workload on s, as the suites' engine does,
// and returns each call step with the journal entries it caused, ready
// for suites.Judge.
func Run(t testing.TB, s *fakeserver.Server, sc *scenarios.Scenario, c adapter.Client) []suites.StepRecord {
	t.Helper()
	steps, err := suites.RunWorkload(context.Background(), s, sc, c, 10*time.Second)
	if err != nil {
		t.Fatalf("%s: %v", sc.ID, err)
	}
	return steps
}

// Scenario starts a fake server with the catalog's scenario id active and
// returns it with the Target the suites would build for it.
func Scenario(t testing.TB, id string, params map[string]string) (*fakeserver.Server, *scenarios.Scenario, adapter.Target) {
	t.Helper()
	sc, ok := scenarios.Lookup(id)
	if !ok {
		t.Fatalf("no scenario %q in the catalog", id)
	}
	s := Server(t, id, params)
	return s, sc, suites.BuildTarget(s, sc)
}

// Last is the results of the workload's last call step.
func Last(steps []suites.StepRecord) []adapter.Result { return steps[len(steps)-1].Results }

// All is every journal entry the workload's calls caused.
func All(steps []suites.StepRecord) []fakeserver.Entry {
	var out []fakeserver.Entry
	for _, st := range steps {
		out = append(out, st.Entries...)
	}
	return out
}

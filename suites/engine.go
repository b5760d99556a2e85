// Package suites judges a client SDK's recovery from every scenario.
//
// For each scenario in the catalog it starts a fresh fake server with the
// scenario active, builds the client through an adapter.Factory, runs the
// scenario's scripted workload (calls, clock moves, operator actions) and
// judges the client from the server's journal by the scenario's recovery
// kind. Run does this for the whole catalog in parallel (scenarios share
// nothing); Describe declares the same checks as ginkgo specs for an SDK's
// own suite; package match offers the journal checks as gomega matchers.
package suites

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites/adapter"
)

// Verdict is the outcome of one scenario.
type Verdict string

// Verdicts.
const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
	Skip Verdict = "skip"
)

// Result is one scenario's verdict. Detail is the finding a developer
// acts on; Journal and Calls are the evidence.
type Result struct {
	Scenario string             `json:"scenario"`
	Verdict  Verdict            `json:"verdict"`
	Detail   string             `json:"detail"`
	Recovery scenarios.Recovery `json:"recovery"`
	Duration time.Duration      `json:"-"`
	Millis   int64              `json:"duration_ms"`
	Findings []string           `json:"findings,omitempty"`
	Calls    []CallSummary      `json:"calls,omitempty"`
	Journal  []fakeserver.Entry `json:"-"`

	// Advisories are diagnostics (an error that does not name the
	// cause): a PASS can carry them; Options.Strict fails on them.
	Advisories []string `json:"advisories,omitempty"`
}

// CallSummary is what one call returned, for reports.
type CallSummary struct {
	Call   string `json:"call"`
	Status int    `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Options configure a run.
type Options struct {
	// Client names the client in reports.
	Client string
	// Factory builds the client under test; required.
	Factory adapter.Factory
	// Scenarios to run; empty means the whole catalog.
	Scenarios []string
	// Parallel is how many scenarios run at once; default 2*GOMAXPROCS
	// (scenarios mostly wait on the network and Retry-After).
	Parallel int
	// CallTimeout bounds one call; default 15s.
	CallTimeout time.Duration
	// Config is the fake server's configuration; default config.Default().
	Config *config.File

	// Strict counts advisories as failures (`run --strict`).
	Strict bool
	// Variants adds every selected scenario's declared variants (`run
	// --variants`).
	Variants bool
}

func (o *Options) defaults() {
	if o.Parallel <= 0 {
		o.Parallel = 2 * runtime.GOMAXPROCS(0)
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 15 * time.Second
	}
	if o.Config == nil {
		o.Config = config.Default()
	}
}

// Select resolves scenario ids (all when none), rejecting unknown ones
// with the list of valid ids.
func Select(ids []string) ([]*scenarios.Scenario, error) {
	if len(ids) == 0 {
		return scenarios.All(), nil
	}
	var out []*scenarios.Scenario
	for _, id := range ids {
		sc, err := lookupLabel(id)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(out, func(have *scenarios.Scenario) bool { return have.Label() == sc.Label() }) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// Run judges the client in every selected scenario and returns the
// report in catalog order. It fails only on bad options; a client that
// cannot even start fails its scenarios, not the run.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Factory == nil {
		return nil, errors.New("suites: Options.Factory is required")
	}
	o.defaults()
	selected, err := Select(o.Scenarios)
	if err != nil {
		return nil, err
	}
	if o.Variants {
		if selected, err = WithVariants(selected); err != nil {
			return nil, err
		}
	}
	results := make([]Result, len(selected))
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, sc := range selected {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = RunScenario(ctx, sc, o)
		}()
	}
	wg.Wait()
	return newReport(o.Client, results), nil
}

// RunScenario judges the client in one scenario on a fresh fake server.
func RunScenario(ctx context.Context, sc *scenarios.Scenario, o Options) (res Result) {
	o.defaults()
	start := time.Now()
	res = Result{Scenario: sc.Label(), Recovery: sc.Recovery}
	defer func() {
		res.Duration = time.Since(start)
		res.Millis = res.Duration.Milliseconds()
	}()
	fail := func(format string, args ...any) Result {
		res.Verdict, res.Detail = Fail, fmt.Sprintf(format, args...)
		return res
	}
	srv, err := fakeserver.New(fakeserver.WithConfig(o.Config))
	if err != nil {
		return fail("fake server: %v", err)
	}
	if err := srv.Start(); err != nil {
		return fail("fake server: %v", err)
	}
	defer srv.Close()
	if err := srv.Activate([]string{sc.ID}, sc.Given); err != nil {
		return fail("activate %s: %v", sc.ID, err)
	}
	target := BuildTarget(srv, sc)
	client, err := o.Factory(ctx, target)
	if err != nil {
		if errors.Is(err, adapter.ErrUnsupported) {
			res.Verdict, res.Detail = Skip, fmt.Sprintf("client does not support auth kind %q: %v", target.Auth, err)
			return res
		}
		return fail("the client could not be configured for auth %q: %v", target.Auth, err)
	}
	if client == nil {
		return fail("the factory returned neither a client nor an error for auth %q", target.Auth)
	}
	steps, runErr := RunWorkload(ctx, srv, sc, client, o.CallTimeout)
	closeErr := client.Close()
	res.Journal = srv.Journal().Entries(0)
	for _, st := range steps {
		for _, r := range st.Results {
			res.Calls = append(res.Calls, CallSummary{Call: describeCall(st.Call), Status: r.Status, Error: r.Error})
		}
	}
	if runErr != nil {
		return fail("%v", runErr)
	}
	res.Findings = Judge(sc, steps)
	res.Advisories = Advise(sc, steps)
	if o.Strict {
		defer applyStrict(&res)
	}
	if closeErr != nil {
		res.Findings = append(res.Findings, fmt.Sprintf("closing the client failed: %v", closeErr))
	}
	if len(res.Findings) > 0 {
		res.Verdict, res.Detail = Fail, strings.Join(res.Findings, "; ")
		if stderr := stderrOf(client); stderr != "" {
			res.Detail += "\nclient stderr:\n" + stderr
		}
		return res
	}
	res.Verdict, res.Detail = Pass, passDetail(sc, steps)
	return res
}

// stderrOf returns what an out-of-process client logged, if it did.
func stderrOf(c adapter.Client) string {
	if s, ok := c.(interface{ Stderr() string }); ok {
		return strings.TrimSpace(s.Stderr())
	}
	return ""
}

// passDetail says, for the report, how the client recovered.
func passDetail(sc *scenarios.Scenario, steps []StepRecord) string {
	var all int
	var auth int
	for _, st := range steps {
		all += Count(st.Entries, IsAPICall)
		auth += Count(st.Entries, IsAuthRequest)
	}
	last := steps[len(steps)-1].Results[0]
	outcome := fmt.Sprintf("ended %d", last.Status)
	if last.Error != "" {
		outcome += ": " + clip(last.Error, 80)
	}
	return fmt.Sprintf("%s; %s, %s; %s", sc.Recovery, plural(all, "API call"), plural(auth, "token/login request"), outcome)
}

// BuildTarget is what the client is told about the server in a scenario:
// the defaults, the workload's overrides, then the scenario's fixtures.
func BuildTarget(srv *fakeserver.Server, sc *scenarios.Scenario) adapter.Target {
	cfg := srv.Config()
	base := srv.URL()
	w := sc.Workload
	t := adapter.Target{
		BaseURL: base, TokenURL: base + "/oauth/token", LoginURL: base + "/login",
		AuthorizeURL: base + "/oauth/authorize", RevokeURL: base + "/oauth/revoke",
		Auth: w.Auth, Scopes: []string{"read"},
	}
	if len(cfg.Clients) > 0 {
		t.ClientID, t.ClientSecret = cfg.Clients[0].ID, cfg.Clients[0].Secret
	}
	if len(cfg.Users) > 0 {
		t.Username, t.Password = cfg.Users[0].Username, cfg.Users[0].Password
	}
	if len(cfg.APIKeys) > 0 {
		t.APIKey = cfg.APIKeys[0].Key
	}
	if len(w.Scopes) > 0 {
		t.Scopes = w.Scopes
	}
	if w.Username != "" {
		t.Username = w.Username
	}
	if w.Password != "" {
		t.Password = w.Password
	}
	if w.ClientID != "" {
		t.ClientID, t.ClientSecret = w.ClientID, w.ClientSecret
	}
	if w.OTP {
		t.OTPURL = base + "/__admin/otp?user=" + t.Username
	}
	fixtures := srv.Fixtures()
	if !w.StoredToken {
		delete(fixtures, "access_token")
		delete(fixtures, "refresh_token")
	}
	// Fixtures override by their driver-protocol name, through JSON so
	// the names can never drift from the struct tags.
	var m map[string]any
	raw, _ := json.Marshal(t)
	_ = json.Unmarshal(raw, &m)
	for k, v := range fixtures {
		if _, known := m[k]; known || k == "access_token" || k == "refresh_token" || k == "otp_url" {
			m[k] = v
		}
	}
	for _, k := range w.Omit {
		delete(m, k)
	}
	raw, _ = json.Marshal(m)
	var out adapter.Target
	_ = json.Unmarshal(raw, &out)
	return out
}

// RunWorkload drives client through sc's workload on srv (calls, clock
// moves, operator actions) and records each call step with the journal
// entries it caused, ready for Judge. No call waits past timeout. It is
// what RunScenario does between building the client and judging it, for
// tests that need the server in hand (to give the client a sleep that
// moves the server's clock, say).
func RunWorkload(ctx context.Context, srv *fakeserver.Server, sc *scenarios.Scenario, client adapter.Client, timeout time.Duration) ([]StepRecord, error) {
	var steps []StepRecord
	afterFault := false
	fixtures := srv.Fixtures()
	for i, step := range sc.Workload.Steps {
		switch {
		case step.Advance != 0:
			srv.Advance(step.Advance)
			afterFault = true
		case step.Action != "":
			if err := srv.Do(step.Action, step.Arg); err != nil {
				return steps, fmt.Errorf("workload step %d: action %s: %w", i+1, step.Action, err)
			}
			afterFault = true
		case step.Call != nil:
			call := adapter.Call{Method: step.Call.Method, Path: step.Call.Path}
			if strings.HasPrefix(call.Path, "$") {
				p, ok := fixtures[call.Path[1:]]
				if !ok {
					return steps, fmt.Errorf("workload step %d: scenario published no fixture %q", i+1, call.Path[1:])
				}
				call.Path = p
			}
			if step.Call.Body != "" {
				b := step.Call.Body
				call.Body = &b
			}
			n := max(step.Call.Concurrency, 1)
			before := srv.Journal().LastSeq()
			results := make([]adapter.Result, n)
			var wg sync.WaitGroup
			for j := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cctx, cancel := context.WithTimeout(ctx, timeout)
					defer cancel()
					results[j] = doBounded(cctx, client, call, timeout)
				}()
			}
			wg.Wait()
			steps = append(steps, StepRecord{Index: len(steps), Call: call, Results: results,
				Entries: srv.Journal().Entries(before), AfterFault: afterFault, MayFail: step.Call.MayFail})
			afterFault = false
		}
	}
	return steps, nil
}

// doBounded calls the client but never waits past the timeout, even for
// a client that ignores its context.
func doBounded(ctx context.Context, c adapter.Client, call adapter.Call, timeout time.Duration) adapter.Result {
	done := make(chan adapter.Result, 1)
	go func() { done <- c.Do(ctx, call) }()
	select {
	case r := <-done:
		return r
	case <-time.After(timeout + time.Second):
		return adapter.Result{Error: fmt.Sprintf("harness: the client did not return from %s within %s", describeCall(call), timeout)}
	}
}

// MustLookup returns a scenario by id and panics if the catalog lacks
// it: for callers naming a scenario the catalog is known to hold.
func MustLookup(id string) *scenarios.Scenario {
	sc, ok := scenarios.Lookup(id)
	if !ok {
		panic("suites: no scenario " + id)
	}
	return sc
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

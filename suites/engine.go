// Package suites judges a client SDK's recovery from every scenario.
//
// For each scenario in the catalog it starts a fresh fake server with the
// scenario active, builds the client through an adapter.Factory, runs the
// scenario's scripted workload (calls, clock moves, operator actions) and
// judges the client from the server's journal by the scenario's recovery
// kind. Run does this for the whole catalog in parallel (scenarios share
// nothing) and reports progress to an observer as it goes; Test declares
// the same checks as `go test` subtests for an SDK's own tests, and
// package ginkgosuite as ginkgo specs; package match offers the journal
// checks as gomega matchers. Nothing here links ginkgo or gomega.
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
	"github.com/authchaos/authchaos/fakeserver/adminclient"
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
	// NotRun is a scenario an interrupt kept from finishing: never
	// started, or cancelled mid-way. It is not judged, so it is never a
	// failure of the client.
	NotRun Verdict = "not-run"
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
	// Errored marks a failure where the scenario could not be played
	// (the server did not start, the client could not be configured,
	// a workload step failed) rather than one the judge found; JUnit
	// reports it as an <error>.
	Errored bool `json:"errored,omitempty"`
	// Calls and Journal are the evidence the findings cite: what each
	// call returned, and every request the server recorded.
	Calls   []CallSummary      `json:"calls,omitempty"`
	Journal []fakeserver.Entry `json:"journal,omitempty"`

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
	// With Server, it must hold the credentials that server accepts.
	Config *config.File
	// Server, when set, is a running `authchaos serve` to play every
	// scenario on, one after another, instead of a fresh server each
	// (so an audience watches the client in its live view). Each
	// scenario is activated in turn, which resets the server's state
	// and clears its journal; what was active before is restored after.
	Server *adminclient.Client
	// Progress, when set, hears the run as it goes: each scenario as it
	// starts and finishes, and a heartbeat while the client is slow to
	// answer. It is called from the scenario goroutines, several at
	// once, so it must be safe for concurrent use and return quickly.
	Progress func(Event)
	// Heartbeat is how long the client may keep a call (or its
	// configuration) waiting before Progress hears of it, and how often
	// after that; default 10s.
	Heartbeat time.Duration

	// Strict counts advisories as failures (`run --strict`).
	Strict bool
	// Variants adds every selected scenario's declared variants (`run
	// --variants`).
	Variants bool
}

// EventKind says what an Event reports.
type EventKind int

// Event kinds, in the order a scenario produces them.
const (
	ScenarioStarted EventKind = iota + 1
	// Waiting repeats every Options.Heartbeat while the client keeps
	// the harness waiting on one step.
	Waiting
	ScenarioFinished
)

// Event is one moment of a run, for Options.Progress.
type Event struct {
	Kind     EventKind
	Scenario string
	// Result is the verdict, for ScenarioFinished.
	Result *Result
	// For Waiting: what the harness waits on ("call 2 of 3",
	// "configure"), and for how long so far.
	Step   string
	Waited time.Duration
}

func (o *Options) emit(e Event) {
	if o.Progress != nil {
		o.Progress(e)
	}
}

// heartbeat reports every o.Heartbeat that the scenario still waits on
// step, until the returned stop is called.
func (o *Options) heartbeat(scenario, step string) (stop func()) {
	if o.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		start := time.Now()
		t := time.NewTicker(o.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				o.emit(Event{Kind: Waiting, Scenario: scenario, Step: step, Waited: time.Since(start)})
			}
		}
	}()
	return func() { close(done); <-exited }
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
	if o.Heartbeat <= 0 {
		o.Heartbeat = 10 * time.Second
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
// cannot even start fails its scenarios, not the run. When ctx ends
// first, the report is marked Interrupted and the scenarios that did
// not finish are NotRun.
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
	if o.Server != nil {
		o.Parallel = 1 // one server, one scenario at a time
		before, err := o.Server.Active(ctx)
		if err != nil {
			return nil, fmt.Errorf("server %s: %w", o.Server.URL(), err)
		}
		defer restore(o.Server, before)
	}
	started := time.Now()
	results := make([]Result, len(selected))
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, sc := range selected {
		if o.Parallel == 1 { // in catalog order, as an audience follows it
			if ctx.Err() != nil {
				results[i] = notRun(sc, "interrupted before it started")
			} else {
				results[i] = RunScenario(ctx, sc, o)
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] = notRun(sc, "interrupted before it started")
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				results[i] = notRun(sc, "interrupted before it started")
				return
			}
			results[i] = RunScenario(ctx, sc, o)
		}()
	}
	wg.Wait()
	rep := newReport(o.Client, results)
	rep.Started = started
	rep.Elapsed = time.Since(started).Round(time.Millisecond).String()
	rep.Interrupted = ctx.Err() != nil
	return rep, nil
}

// restore puts back what a running server had active before a run.
func restore(c *adminclient.Client, st adminclient.State) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if len(st.Active) == 0 {
		_, _ = c.Heal(ctx)
		return
	}
	acts := make([]adminclient.Activation, len(st.Active))
	for i, id := range st.Active {
		acts[i] = adminclient.Activation{ID: id}
		if i < len(st.Params) {
			acts[i].Params = st.Params[i]
		}
	}
	_, _ = c.Activate(ctx, acts...)
}

func notRun(sc *scenarios.Scenario, why string) Result {
	return Result{Scenario: sc.Label(), Recovery: sc.Recovery, Verdict: NotRun, Detail: why}
}

// RunScenario judges the client in one scenario on a fresh fake server
// (or, with Options.Server, on that running server).
func RunScenario(ctx context.Context, sc *scenarios.Scenario, o Options) (res Result) {
	o.defaults()
	start := time.Now()
	res = Result{Scenario: sc.Label(), Recovery: sc.Recovery}
	o.emit(Event{Kind: ScenarioStarted, Scenario: res.Scenario})
	defer func() {
		res.Duration = time.Since(start)
		res.Millis = res.Duration.Milliseconds()
		r := res
		o.emit(Event{Kind: ScenarioFinished, Scenario: res.Scenario, Result: &r})
	}()
	fail := func(format string, args ...any) Result {
		res.Verdict, res.Detail, res.Errored = Fail, fmt.Sprintf(format, args...), true
		return res
	}
	// An interrupt that lands while the scenario plays is no finding
	// about the client: whatever it did after is not judged.
	interrupted := func(during string) Result {
		res.Verdict, res.Detail = NotRun, "interrupted during "+during+"; not judged"
		return res
	}
	srv, closeServer, err := openPlayground(ctx, &o, sc)
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("set-up")
		}
		return fail("%v", err)
	}
	defer closeServer()
	// Whatever ends the scenario, the report shows what the server saw.
	defer func() {
		if res.Journal == nil {
			res.Journal, _ = srv.Entries(0)
		}
	}()
	target := buildTarget(srv, sc)
	stopBeat := o.heartbeat(res.Scenario, "configure")
	client, err := o.Factory(ctx, target)
	stopBeat()
	if ctx.Err() != nil {
		if client != nil {
			_ = client.Close()
		}
		return interrupted("configure")
	}
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
	steps, runErr := runWorkload(ctx, srv, sc, client, &o)
	closeErr := client.Close()
	res.Journal, _ = srv.Entries(0)
	for _, st := range steps {
		for _, r := range st.Results {
			res.Calls = append(res.Calls, CallSummary{Call: describeCall(st.Call), Status: r.Status, Error: r.Error})
		}
	}
	if ctx.Err() != nil {
		if errors.Is(runErr, errBetweenSteps) {
			return interrupted(fmt.Sprintf("the workload, before call %d of %d", len(steps)+1, callSteps(sc)))
		}
		return interrupted(fmt.Sprintf("call %d of %d", max(len(steps), 1), callSteps(sc)))
	}
	if runErr != nil {
		return fail("%v", runErr)
	}
	if why := Unspoken(sc, res.Journal); why != "" {
		res.Verdict, res.Detail = Skip, why
		return res
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
	return buildTarget(local{srv}, sc)
}

func buildTarget(srv playground, sc *scenarios.Scenario) adapter.Target {
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
	if w.Password != "" {
		t.Password = w.Password
	}
	if w.OTP {
		t.OTPURL = base + "/__admin/otp?user=" + t.Username
	}
	t.DPoP = w.DPoP
	if w.Auth == adapter.AuthOAuth2DeviceCode {
		t.DeviceAuthorizationURL = base + "/oauth/device_authorization"
	}
	if w.Discover {
		t.TokenURL, t.LoginURL, t.AuthorizeURL, t.RevokeURL = "", "", "", ""
		t.ResourceURL = base + "/api/"
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
	return runWorkload(ctx, local{srv}, sc, client, &Options{CallTimeout: timeout})
}

// callSteps is how many call steps sc's workload has.
func callSteps(sc *scenarios.Scenario) int {
	n := 0
	for _, st := range sc.Workload.Steps {
		if st.Call != nil {
			n++
		}
	}
	return n
}

// errBetweenSteps is runWorkload's answer when ctx ended before a call.
var errBetweenSteps = errors.New("interrupted between workload steps")

func runWorkload(ctx context.Context, srv playground, sc *scenarios.Scenario, client adapter.Client, o *Options) ([]StepRecord, error) {
	timeout := o.CallTimeout
	calls := callSteps(sc)
	var steps []StepRecord
	afterFault := false
	fixtures := srv.Fixtures()
	for i, step := range sc.Workload.Steps {
		switch {
		case step.Advance != 0:
			if err := srv.Advance(step.Advance); err != nil {
				return steps, fmt.Errorf("workload step %d: advance the clock %s: %w", i+1, step.Advance, err)
			}
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
			if ctx.Err() != nil {
				return steps, errBetweenSteps
			}
			n := max(step.Call.Concurrency, 1)
			before := srv.LastSeq()
			stopBeat := o.heartbeat(sc.Label(), fmt.Sprintf("call %d of %d", len(steps)+1, calls))
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
			stopBeat()
			entries, err := srv.Entries(before)
			if err != nil {
				return steps, fmt.Errorf("workload step %d: read the journal: %w", i+1, err)
			}
			steps = append(steps, StepRecord{Index: len(steps), Call: call, Results: results,
				Entries: entries, AfterFault: afterFault, MayFail: step.Call.MayFail})
			if ctx.Err() != nil {
				return steps, ctx.Err() // interrupted during this call
			}
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

// WithScenarios narrows Test (or ginkgosuite.Describe) to some
// scenario ids.
func WithScenarios(ids ...string) func(*Options) {
	return func(o *Options) { o.Scenarios = ids }
}

// WithDeclaredVariants adds a run for every variant each scenario
// declares (`run --variants`), to Test or ginkgosuite.Describe.
func WithDeclaredVariants() func(*Options) {
	return func(o *Options) { o.Variants = true }
}

// WithStrict makes Test or ginkgosuite.Describe fail on advisories too.
func WithStrict() func(*Options) {
	return func(o *Options) { o.Strict = true }
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

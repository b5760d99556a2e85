package suites

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites/adapter"
)

// Verdicts on traffic nobody scripted (`authchaos judge`).
//
// Run knows what it asked the client to do and what the client answered;
// a journal of someone's own test knows neither. JudgeTraffic rebuilds
// what the judge needs from the journal alone and then hands it to Judge,
// so a rule about recovery lives in one place and a verdict on traffic
// can never disagree with a run's for the same behaviour:
//
//   - calls: an API request is a retry of an earlier refusal (or the next
//     hop of a redirect) when that refusal is still waiting for a
//     follow-up at the same place; otherwise it starts a new call. Each
//     call's outcome is its last answer, so a loop is one call with many
//     refusals, and eight calls in flight are eight calls.
//   - steps: a new step starts with a call made when no earlier call is
//     still waiting on a refusal, which is where a workload would have
//     put a step boundary (one token request per expiry is counted per
//     step). Token and login requests made between steps belong to the
//     step they prepare.
//
// What the journal cannot show — the client's error message — is not
// judged: advisories here are what the traffic itself says is wrong for a
// person to read, never a guess at the client's diagnostics.

// NothingToJudge is JudgeTraffic's verdict on a window that holds no
// trigger for the recovery kind (no 401 to refresh after, no redirect to
// leak on): not a pass, since the client was never put to the test.
const NothingToJudge Verdict = "nothing-to-judge"

// Expectation says how the last call in a window should end.
type Expectation string

// Expectations. The zero value asks for the recovery kind's own: success
// for the kinds that recover, a refusal for fail-fast, either for no-leak
// (a redirect to another origin may rightly end the call).
const (
	ExpectKindDefault Expectation = ""
	ExpectSuccess     Expectation = "success"
	ExpectFailure     Expectation = "failure"
	ExpectAny         Expectation = "any"
)

// Expectations lists the values --expect accepts.
var Expectations = []Expectation{ExpectSuccess, ExpectFailure, ExpectAny}

// TrafficOptions narrow and tune JudgeTraffic.
type TrafficOptions struct {
	// Since leaves out the entries up to and including this seq, as
	// GET /__admin/journal?since= and `authchaos journal --since` do:
	// note the last seq before a test, judge what came after. 0 takes
	// the whole journal.
	Since int64
	// Expect overrides how the last call should end. A fail-fast window
	// ends refused by default; a window where even a correct client
	// cannot succeed (a refresh against a server whose clock is behind)
	// needs ExpectFailure.
	Expect Expectation
}

// TrafficResult is JudgeTraffic's verdict on a journal window.
type TrafficResult struct {
	Recovery scenarios.Recovery `json:"recovery"`
	Verdict  Verdict            `json:"verdict"`
	// Detail is one line for a person: how it recovered, what it did
	// wrong, or why there was nothing to judge.
	Detail     string      `json:"detail"`
	Expect     Expectation `json:"expect"`
	Findings   []string    `json:"findings,omitempty"`
	Advisories []string    `json:"advisories,omitempty"`
	// The window: its first and last seq, and what was read from it.
	First   int64 `json:"first_seq"`
	Last    int64 `json:"last_seq"`
	Entries int   `json:"entries"`
	Calls   int   `json:"calls"`
	Steps   int   `json:"steps"`
	// Trigger is the seq of the first entry that put the client to the
	// test; 0 with NothingToJudge.
	Trigger int64 `json:"trigger_seq,omitempty"`
}

// ErrNotJudgeable is JudgeTraffic's error for a recovery kind whose rules
// need what only a scripted run knows.
var ErrNotJudgeable = errors.New("cannot be judged from traffic alone")

// trafficKinds are the kinds JudgeTraffic judges, with what triggers each:
// the first entry of the window that puts a client to that test.
var trafficKinds = map[scenarios.Recovery]func(fakeserver.Entry) bool{
	scenarios.Refresh:  apiRefusal,
	scenarios.Relogin:  func(e fakeserver.Entry) bool { return apiRefusal(e) || IsAuthRequest(e) && e.Status >= 400 },
	scenarios.FailFast: func(e fakeserver.Entry) bool { return e.Status >= 400 },
	// A layer in front answering instead of the API (a block, or a
	// captive portal's redirect to its page), or a refusal that says
	// when to come back.
	scenarios.Backoff: func(e fakeserver.Entry) bool {
		return IsAPICall(e) && (isEdgeBlock(e) && e.Status >= 300 || e.Status >= 400 && e.RetryAfter != "")
	},
	scenarios.SwitchScheme: reasonIs(journal.WrongScheme),
	scenarios.StepUp: func(e fakeserver.Entry) bool {
		return e.Reason == journal.InsufficientScope || e.Reason == journal.InsufficientUserAuthentication
	},
	scenarios.NoLeak:     func(e fakeserver.Entry) bool { return e.Reason == journal.Redirect || e.Origin == journal.OtherOrigin },
	scenarios.NonceRetry: isNonceRefusal,
	// The API's 401 to a call without a credential, whose challenge names
	// the resource metadata.
	scenarios.Discover: func(e fakeserver.Entry) bool { return apiRefusal(e) && e.Scheme == authn.None },
	scenarios.Poll:     IsDeviceAuthorization,
}

// apiRefusal is a 401 from the API itself, not from a layer in front.
func apiRefusal(e fakeserver.Entry) bool {
	return IsAPICall(e) && e.Status == 401 && !isEdgeBlock(e) && e.Origin != journal.OtherOrigin
}

// TrafficKinds lists the recovery kinds JudgeTraffic judges, sorted.
func TrafficKinds() []scenarios.Recovery {
	out := make([]scenarios.Recovery, 0, len(trafficKinds))
	for k := range trafficKinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// JudgeTraffic judges a journal window (the entries after o.Since) by a
// recovery kind alone: no workload, no client results. The window is
// judged whole, what came before its trigger included (the first login,
// the calls that worked), as a run's journal is. It fails only on a kind
// it cannot judge (unknown, or ErrNotJudgeable); everything about the
// traffic is in the result.
func JudgeTraffic(kind scenarios.Recovery, entries []fakeserver.Entry, o TrafficOptions) (TrafficResult, error) {
	trigger, ok := trafficKinds[kind]
	if !ok {
		if _, known := scenarios.Recoveries[kind]; known {
			return TrafficResult{}, fmt.Errorf("recovery %s %w (judge knows %s)", kind, ErrNotJudgeable, kindList())
		}
		return TrafficResult{}, fmt.Errorf("unknown recovery kind %q (valid: %s)", kind, kindList())
	}
	window := Filter(entries, func(e fakeserver.Entry) bool { return e.Seq > o.Since })
	sort.SliceStable(window, func(i, j int) bool { return window[i].Seq < window[j].Seq })
	res := TrafficResult{Recovery: kind, Expect: o.Expect, Entries: len(window)}
	if res.Expect == ExpectKindDefault {
		res.Expect = defaultExpect(kind)
	}
	if len(window) > 0 {
		res.First, res.Last = window[0].Seq, window[len(window)-1].Seq
	}
	i := slices.IndexFunc(window, trigger)
	if i < 0 {
		res.Verdict = NothingToJudge
		res.Detail = fmt.Sprintf("nothing to judge: %s holds no %s for %s", describeWindow(res, o.Since), triggerWords[kind], kind)
		return res, nil
	}
	res.Trigger = window[i].Seq
	steps := trafficSteps(window)
	res.Steps = len(steps)
	for _, st := range steps {
		res.Calls += len(st.Results)
	}
	sc := trafficScenario(kind, res.Expect, steps)
	res.Findings = Judge(sc, steps)
	res.Advisories = trafficAdvice(window)
	if len(res.Findings) > 0 {
		res.Verdict, res.Detail = Fail, strings.Join(res.Findings, "; ")
		return res, nil
	}
	res.Verdict, res.Detail = Pass, fmt.Sprintf("%s (trigger at seq %d)", passDetail(sc, steps), res.Trigger)
	return res, nil
}

var triggerWords = map[scenarios.Recovery]string{
	scenarios.Refresh:      "401 from the API",
	scenarios.Relogin:      "401 from the API nor refused login",
	scenarios.FailFast:     "refused request",
	scenarios.Backoff:      "answer from an edge layer nor refusal with Retry-After",
	scenarios.SwitchScheme: "wrong_scheme refusal",
	scenarios.StepUp:       "insufficient_scope or insufficient_user_authentication refusal",
	scenarios.NoLeak:       "redirect nor request to another origin",
	scenarios.NonceRetry:   "use_dpop_nonce nor Digest stale=true refusal",
	scenarios.Discover:     "401 from the API to a call without a credential",
	scenarios.Poll:         "device authorization",
}

func describeWindow(res TrafficResult, since int64) string {
	if res.Entries == 0 {
		if since > 0 {
			return fmt.Sprintf("the journal has no entry after seq %d", since)
		}
		return "the journal is empty"
	}
	n := "1 entry"
	if res.Entries != 1 {
		n = fmt.Sprintf("%d entries", res.Entries)
	}
	return fmt.Sprintf("the window (%s, seq %d-%d)", n, res.First, res.Last)
}

func kindList() string {
	var names []string
	for _, k := range TrafficKinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

func defaultExpect(kind scenarios.Recovery) Expectation {
	switch kind {
	case scenarios.FailFast:
		return ExpectFailure
	case scenarios.NoLeak, scenarios.Poll:
		// A device flow ends in a token, or in expired_token or
		// access_denied, which a correct client reports as it stops.
		return ExpectAny
	}
	return ExpectSuccess
}

// trafficScenario is the stand-in scenario Judge reads: the kind, and
// how the last call should end. With ExpectAny no call's outcome is
// judged, only behaviour.
func trafficScenario(kind scenarios.Recovery, expect Expectation, steps []StepRecord) *scenarios.Scenario {
	sc := &scenarios.Scenario{ID: "traffic", Recovery: kind}
	sc.Workload.Expect.Status = 200
	// A step that met no authentication failure (its call answered 404,
	// say) is the app's business, not a recovery to judge.
	for i := range steps {
		steps[i].MayFail = !slices.ContainsFunc(steps[i].Entries, authFault)
	}
	switch expect {
	case ExpectFailure:
		sc.Workload.Expect.Status = 401
	case ExpectAny:
		sc.Workload.Expect.Status = 401
		for i := range steps {
			steps[i].MayFail = true
		}
	}
	return sc
}

// place is where a follow-up of an answer lands.
type place struct{ host, path string }

// next is where a client goes after answer e: the same place after a
// refusal, the Location after a redirect.
func next(e fakeserver.Entry) place {
	if e.Status >= 300 && e.Status < 400 && e.Location != "" {
		if u, err := url.Parse(e.Location); err == nil {
			p := place{e.Host, u.Path}
			if u.Host != "" {
				p.host = u.Host
			}
			return p
		}
	}
	return place{e.Host, e.Path}
}

// trafficSteps rebuilds steps and calls from a window (see the comment at
// the top of this file).
//
// One ambiguity needs care: a request that resends the very credential
// just refused at the same place is either a blind retry of that call or
// another call in flight that left before the refusal came back. Each
// such request starts a call of its own for now; a correct client's
// concurrent calls are all retried with the new credential, so one that
// never is was a blind retry after all, and folds into the call it
// resent (which then shows its loop).
func trafficSteps(window []fakeserver.Entry) []StepRecord {
	type call struct {
		home   place // where it was first sent
		last   fakeserver.Entry
		step   int
		blind  *call // the call it may be a blind retry of
		closed bool  // answered, or followed up
	}
	var (
		steps   []StepRecord
		calls   []*call
		waiting = map[place][]*call{} // refused calls awaiting a follow-up
		open    int
		// Calls a redirect took to another origin that answered: a
		// client that did not take that page for the API's answer (a
		// captive portal's) comes back home, and the call goes on.
		away    = map[place][]*call{}
		pending []fakeserver.Entry
	)
	for _, e := range window {
		if !IsAPICall(e) {
			if open == 0 || len(steps) == 0 {
				pending = append(pending, e) // prepares the next step
			} else {
				steps[len(steps)-1].Entries = append(steps[len(steps)-1].Entries, e)
			}
			continue
		}
		at := place{e.Host, e.Path}
		var c *call
		q := waiting[at]
		switch {
		case len(q) > 0 && !resent(q[0].last, e):
			c, waiting[at] = q[0], q[1:]
			open--
			c.last = e
		case len(q) == 0 && len(away[at]) > 0:
			c, away[at] = away[at][0], away[at][1:]
			c.last = e
		default:
			if open == 0 || len(steps) == 0 {
				steps = append(steps, StepRecord{Index: len(steps), Call: adapter.Call{Method: e.Method, Path: e.Path}})
			}
			c = &call{home: at, last: e, step: len(steps) - 1}
			if len(q) > 0 {
				c.blind = q[0]
				for c.blind.blind != nil {
					c.blind = c.blind.blind
				}
			}
			calls = append(calls, c)
		}
		// What happens now is the current step's evidence, whichever
		// call it belongs to.
		st := &steps[len(steps)-1]
		st.Entries = append(st.Entries, pending...)
		pending = nil
		st.Entries = append(st.Entries, e)
		c.closed = !awaitsFollowUp(e)
		switch {
		case !c.closed:
			to := next(e)
			waiting[to] = append(waiting[to], c)
			open++
		case e.Origin == journal.OtherOrigin && c.home != at:
			away[c.home] = append(away[c.home], c)
		}
	}
	if len(steps) == 0 {
		// No API call (a login or an authorization request refused
		// before any): one step whose one call ended as the last answer.
		return []StepRecord{{Entries: pending, Results: []adapter.Result{{Status: lastStatus(pending)}}}}
	}
	steps[len(steps)-1].Entries = append(steps[len(steps)-1].Entries, pending...)
	for _, c := range calls {
		if c.blind != nil && !c.closed {
			continue // a blind retry: it belongs to c.blind
		}
		r := adapter.Result{Status: c.last.Status}
		if c.last.Response != nil {
			r.Body = c.last.Response.Body
		}
		steps[c.step].Results = append(steps[c.step].Results, r)
	}
	return steps
}

// awaitsFollowUp reports whether answer e leaves its call waiting for a
// retry: a redirect, an authentication refusal, or an answer that says
// when to come back. A 404 or a 500 is the call's answer, not an auth
// failure to recover from, so it ends the call (and does not hold every
// later call in one step).
func awaitsFollowUp(e fakeserver.Entry) bool {
	switch {
	case e.Status >= 300 && e.Status < 400:
		return e.Location != ""
	case e.Status == 401, e.Status == 403, e.Status == 407, e.Status == 429:
		return true
	}
	return e.Status >= 400 && (e.RetryAfter != "" || isEdgeBlock(e))
}

// authFault reports whether e is an authentication failure of any kind:
// what a window's steps are judged on.
func authFault(e fakeserver.Entry) bool {
	return awaitsFollowUp(e) && e.Status >= 400 || IsAuthRequest(e) && e.Status >= 400 || e.Origin == journal.OtherOrigin
}

// resent reports whether request e sends again the credential refusal
// turned away, from the same layer that refused it: a back-off retry
// after an edge block or Retry-After, and a redirect's next hop, are
// follow-ups even with the same credential.
func resent(refusal, e fakeserver.Entry) bool {
	// After a nonce refusal the same token is the right retry: the
	// nonce, not the credential, was missing.
	return e.Credential == refusal.Credential && e.Scheme == refusal.Scheme &&
		(refusal.Status == 401 || refusal.Status == 403) && !isEdgeBlock(refusal) && refusal.RetryAfter == "" &&
		refusal.Origin != journal.OtherOrigin && !isNonceRefusal(refusal)
}

func lastStatus(es []fakeserver.Entry) int {
	if len(es) == 0 {
		return 0
	}
	return es[len(es)-1].Status
}

// trafficAdvice is what the window says is wrong for a person to read,
// whatever the client did: a 401 with no challenge leaves every client
// guessing (RFC 9110 §11.6.1 requires WWW-Authenticate), which is the
// server owner's to fix, not the client's.
func trafficAdvice(window []fakeserver.Entry) []string {
	var f findings
	var bare []fakeserver.Entry
	for _, e := range window {
		if IsAPICall(e) && e.Status == 401 && e.Response != nil && len(e.Response.Headers["Www-Authenticate"]) == 0 {
			bare = append(bare, e)
		}
	}
	if len(bare) > 0 {
		f.add("%s carried no WWW-Authenticate (%s): a client cannot tell what the server wants; the server should name the scheme and, for Bearer, the error (RFC 9110 §11.6.1, RFC 6750 §3)", plural(len(bare), "401"), SeqRange(bare))
	}
	return f.list
}

// TestTraffic is JudgeTraffic for a plain `go test`: it fails t with one
// finding a line when the window shows no correct recovery of that kind,
// and also when it holds nothing to judge, since a test whose fault never
// bit proved nothing. Advisories are logged.
//
//	srv.MustApply(t, fakeserver.Activation{{ID: "expired-token"}})
//	exerciseMyApp(t, srv.URL)
//	suites.TestTraffic(t, scenarios.Refresh, srv.Journal().Entries(0), suites.TrafficOptions{})
func TestTraffic(t testing.TB, kind scenarios.Recovery, entries []fakeserver.Entry, o TrafficOptions) TrafficResult {
	t.Helper()
	res, err := JudgeTraffic(kind, entries, o)
	if err != nil {
		t.Fatalf("authchaos: %v", err)
		return res
	}
	for _, a := range res.Advisories {
		t.Log("advisory: " + a)
	}
	switch res.Verdict {
	case NothingToJudge:
		t.Errorf("authchaos: %s", res.Detail)
	case Fail:
		var b strings.Builder
		fmt.Fprintf(&b, "authchaos: no correct %s recovery in the journal (seq %d-%d):\n", kind, res.First, res.Last)
		for _, f := range res.Findings {
			b.WriteString("  " + f + "\n")
		}
		t.Error(strings.TrimRight(b.String(), "\n"))
	}
	return res
}

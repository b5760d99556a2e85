package suites

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites/adapter"
)

// retryAfterSlack forgives clock granularity when checking that a client
// waited as Retry-After said.
const retryAfterSlack = 50 * time.Millisecond

// Judge reads what a client did in one scenario and returns findings: one
// sentence per thing it did wrong, empty when it recovered correctly.
func Judge(sc *scenarios.Scenario, steps []StepRecord) []string {
	if len(steps) == 0 {
		return []string{"the workload made no calls"}
	}
	var f findings
	last := steps[len(steps)-1]
	for _, st := range steps[:len(steps)-1] {
		for _, r := range st.Results {
			if r.Status < 200 || r.Status > 299 {
				f.add("call %d (%s) should have succeeded but ended with %s", st.Index+1, describeCall(st.Call), describeResult(r))
			}
		}
	}
	want := sc.Workload.Expect.Status
	for _, r := range last.Results {
		switch {
		case want >= 200 && want <= 299 && (r.Status < 200 || r.Status > 299):
			f.add("the last call (%s) ended with %s; a client that recovers (%s) ends with %d", describeCall(last.Call), describeResult(r), sc.Recovery, want)
		case (want < 200 || want > 299) && r.Status != want:
			f.add("the last call (%s) ended with %s; expected it to give up reporting status %d", describeCall(last.Call), describeResult(r), want)
		}
	}
	for _, st := range steps {
		checkLoops(&f, st)
	}
	switch sc.Recovery {
	case scenarios.Refresh:
		judgeRefresh(&f, steps)
	case scenarios.Relogin:
		judgeRelogin(&f, steps)
	case scenarios.FailFast:
		judgeFailFast(&f, sc, last)
	case scenarios.Backoff:
		judgeBackoff(&f, steps)
	case scenarios.SwitchScheme:
		judgeSwitchScheme(&f, steps)
	case scenarios.StepUp:
		judgeStepUp(&f, steps)
	case scenarios.NoLeak:
		judgeNoLeak(&f, steps)
	}
	return f.list
}

type findings struct{ list []string }

func (f *findings) add(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, have := range f.list {
		if have == msg {
			return
		}
	}
	f.list = append(f.list, msg)
}

// checkLoops flags more than one retry of an API call per call made, the
// signature of a retry loop, whatever the recovery kind. Redirect hops
// and back-off retries are judged by their own rules.
func checkLoops(f *findings, st StepRecord) {
	n := len(st.Results)
	api := Filter(st.Entries, func(e fakeserver.Entry) bool {
		return IsAPICall(e) && e.Reason != "redirect" && e.Origin != "other-origin" && e.RetryAfter == "" && !isEdgeBlock(e)
	})
	failures := Filter(api, func(e fakeserver.Entry) bool { return e.Status == 401 || e.Status == 403 })
	if len(failures) > 2*n {
		f.add("retry loop: %d API calls were refused in call %d (%s) for %d call(s) made (%s); retry at most once", len(failures), st.Index+1, describeCall(st.Call), n, SeqRange(failures))
	}
	auth := Filter(st.Entries, IsAuthRequest)
	if len(auth) > 2*n+1 {
		f.add("authentication loop: %d token/login requests during call %d (%s) (%s)", len(auth), st.Index+1, describeCall(st.Call), SeqRange(auth))
	}
}

// isEdgeBlock reports answers from a layer in front of the API that a
// back-off client retries.
func isEdgeBlock(e fakeserver.Entry) bool {
	return e.Origin != "" && e.Origin != "app" && e.Origin != "other-origin"
}

// judgeRefresh: one token request per expiry, even with concurrent calls.
func judgeRefresh(f *findings, steps []StepRecord) {
	for i, st := range steps {
		tokens := Filter(st.Entries, IsAuthRequest)
		allowed := 1
		if i == 0 && !st.AfterFault {
			allowed = 2 // the first authentication, plus one refresh if it bites at once
		}
		if len(tokens) > allowed {
			f.add("refreshed %d times for one expiry (%s) during call %d (%s)%s; a correct client makes one token request and shares it", len(tokens), SeqRange(tokens), st.Index+1, describeCall(st.Call), concurrentNote(st))
		}
		if failedTokenReuse(st.Entries) {
			f.add("reused a rotated refresh token (reason refresh_token_reused at %s): the server revoked the whole token family", SeqRange(Filter(st.Entries, reasonIs("refresh_token_reused"))))
		}
		if refusal := firstRefusal(st.Entries); st.AfterFault && len(tokens) == 0 && anyFailed(st.Results) && refusal != "" {
			f.add("never asked for a new token after the API answered %s in call %d", refusal, st.Index+1)
		}
	}
}

func concurrentNote(st StepRecord) string {
	if len(st.Results) > 1 {
		return fmt.Sprintf(" with %d calls in flight", len(st.Results))
	}
	return ""
}

func failedTokenReuse(es []fakeserver.Entry) bool {
	return Count(es, reasonIs("refresh_token_reused")) > 0
}

func reasonIs(reason string) func(fakeserver.Entry) bool {
	return func(e fakeserver.Entry) bool { return e.Reason == reason }
}

func anyFailed(rs []adapter.Result) bool {
	for _, r := range rs {
		if r.Status < 200 || r.Status > 299 {
			return true
		}
	}
	return false
}

func firstRefusal(es []fakeserver.Entry) string {
	for _, e := range es {
		if e.Status >= 400 {
			if e.Reason != "" {
				return fmt.Sprintf("%d %s", e.Status, e.Reason)
			}
			return strconv.Itoa(e.Status)
		}
	}
	// Nothing was refused: the client never reached the server (or gave
	// up on its own), so there is no answer to blame, and the finding on
	// the call's result says what went wrong.
	return ""
}

// judgeRelogin: authenticates again with primary credentials, no loop.
func judgeRelogin(f *findings, steps []StepRecord) {
	for _, st := range steps {
		logins := Filter(st.Entries, IsAuthRequest)
		allowed := 2 * len(st.Results) // a login, plus the second leg of a one-time-code login
		if len(logins) > allowed+1 {
			f.add("logged in %d times during call %d (%s) (%s); re-login once, then give up", len(logins), st.Index+1, describeCall(st.Call), SeqRange(logins))
		}
		if refusal := firstRefusal(st.Entries); st.AfterFault && anyFailed(st.Results) && len(logins) == 0 && refusal != "" {
			f.add("never logged in again after the API answered %s in call %d", refusal, st.Index+1)
		}
		// A refused call that later succeeds without a login in between
		// was retried blindly: it worked here only because the fault
		// cleared, and it would loop against a server that meant it.
		for i, e := range st.Entries {
			if !IsAPICall(e) || e.Status != 401 {
				continue
			}
			for _, next := range st.Entries[i+1:] {
				if IsAuthRequest(next) {
					break
				}
				if IsAPICall(next) && next.Path == e.Path && next.Status < 300 {
					f.add("retried %s %s with the same credentials after 401 %s (seq %d → %d) instead of logging in again", next.Method, next.Path, e.Reason, e.Seq, next.Seq)
					break
				}
			}
		}
	}
}

// judgeFailFast: the error names the cause; at most one extra attempt.
func judgeFailFast(f *findings, sc *scenarios.Scenario, last StepRecord) {
	for _, r := range last.Results {
		if r.Error == "" {
			f.add("the last call (%s) ended with status %d but reported no error; a client must say why it gave up", describeCall(last.Call), r.Status)
			continue
		}
		if names := sc.Workload.Expect.ErrorNames; len(names) > 0 && !containsAny(r.Error, names) {
			f.add("the client's error %q does not name the cause (expected it to mention one of: %s)", clip(r.Error, 160), strings.Join(names, ", "))
		}
	}
	api := Filter(last.Entries, func(e fakeserver.Entry) bool { return IsAPICall(e) && e.Status >= 400 })
	if len(api) > 2*len(last.Results) {
		f.add("retried a call that cannot succeed: %d refused API calls (%s); fail fast after at most one extra attempt", len(api), SeqRange(api))
	}
	logins := Filter(last.Entries, IsLogin)
	if len(logins) > 2*len(last.Results) {
		f.add("tried to authenticate %d times (%s); at most one extra attempt, never password guessing", len(logins), SeqRange(logins))
	}
	if locked := Filter(last.Entries, reasonIs("account_locked")); len(locked) > 0 {
		f.add("locked the account out by retrying the login (%s)", SeqRange(locked))
	}
	refreshes := Filter(last.Entries, func(e fakeserver.Entry) bool { return IsTokenRequest(e) && e.Grant == "refresh_token" })
	if len(refreshes) > len(last.Results) {
		f.add("refreshed %d times (%s) for a failure a new token cannot fix", len(refreshes), SeqRange(refreshes))
	}
	if Count(last.Entries, func(e fakeserver.Entry) bool { return e.Status == http.StatusForbidden }) > 0 && len(Filter(last.Entries, IsAuthRequest)) > 0 {
		f.add("answered a 403 with a token or login request (%s); 403 means authenticated but not permitted, a new credential will not help", SeqRange(Filter(last.Entries, IsAuthRequest)))
	}
}

func containsAny(s string, names []string) bool {
	low := strings.ToLower(s)
	for _, n := range names {
		if strings.Contains(low, strings.ToLower(n)) {
			return true
		}
	}
	return false
}

// judgeBackoff: keeps its credential, waits as Retry-After says.
func judgeBackoff(f *findings, steps []StepRecord) {
	var all []fakeserver.Entry
	for _, st := range steps {
		all = append(all, st.Entries...)
	}
	firstFail := -1
	for i, e := range all {
		if IsAPICall(e) && e.Status >= 400 {
			firstFail = i
			break
		}
	}
	if firstFail < 0 {
		return
	}
	after := all[firstFail+1:]
	if auth := Filter(after, IsAuthRequest); len(auth) > 0 {
		f.add("threw away a good credential: %d token/login request(s) after the %s answer at seq %d (%s); the credential was fine, wait and retry with it", len(auth), all[firstFail].Reason, all[firstFail].Seq, SeqRange(auth))
	}
	// Each refusal that said Retry-After must be followed, on the same
	// path, no sooner than it said.
	var early []string
	for i, e := range all {
		if e.RetryAfter == "" || e.Status < 400 {
			continue
		}
		secs, err := strconv.Atoi(e.RetryAfter)
		if err != nil {
			continue
		}
		for _, next := range all[i+1:] {
			if next.Path != e.Path || next.Host != e.Host {
				continue
			}
			if gap := next.At.Sub(e.At); gap+retryAfterSlack < time.Duration(secs)*time.Second {
				early = append(early, fmt.Sprintf("retried %s %s after %s (seq %d), though seq %d said Retry-After: %s", e.Method, e.Path, gap.Round(time.Millisecond), next.Seq, e.Seq, e.RetryAfter))
			}
			break
		}
	}
	if len(early) > 0 {
		f.add("ignored Retry-After %d time(s): first %s", len(early), early[0])
	}
}

// judgeSwitchScheme: resends with the scheme the challenge asked for.
func judgeSwitchScheme(f *findings, steps []StepRecord) {
	for _, st := range steps {
		var same []string
		for i, e := range st.Entries {
			if e.Reason != "wrong_scheme" {
				continue
			}
			for _, next := range st.Entries[i+1:] {
				if next.Path == e.Path && IsAPICall(next) {
					if next.Scheme == e.Scheme {
						same = append(same, fmt.Sprintf("after a wrong_scheme challenge at seq %d, resent %s %s with %s again (seq %d)", e.Seq, next.Method, next.Path, next.Scheme, next.Seq))
					}
					break
				}
			}
		}
		if len(same) > 0 {
			f.add("ignored the challenge %d time(s): first %s; read WWW-Authenticate and switch scheme", len(same), same[0])
		}
		if refreshes := Filter(st.Entries, func(e fakeserver.Entry) bool { return IsTokenRequest(e) && e.Grant == "refresh_token" }); len(refreshes) > 0 && Count(st.Entries, reasonIs("wrong_scheme")) > 0 {
			f.add("refreshed the token (%s) when the server asked for another scheme; a new token of the wrong kind does not help", SeqRange(refreshes))
		}
	}
}

// judgeStepUp: asks for a token with the scope the server named.
func judgeStepUp(f *findings, steps []StepRecord) {
	for _, st := range steps {
		for i, e := range st.Entries {
			if e.Reason != "insufficient_scope" {
				continue
			}
			stepped := false
			for _, next := range st.Entries[i+1:] {
				if IsTokenRequest(next) && next.Status == 200 && len(strings.Fields(next.Scope)) > 0 {
					stepped = true
					break
				}
			}
			if !stepped {
				f.add("did not ask for a token with more scope after insufficient_scope at seq %d", e.Seq)
			}
		}
		if refreshes := Filter(st.Entries, func(e fakeserver.Entry) bool {
			return IsTokenRequest(e) && e.Grant == "refresh_token" && e.Status == 200
		}); len(refreshes) > 0 && Count(st.Entries, reasonIs("insufficient_scope")) > 0 && len(st.Entries) > 0 {
			// A refresh keeps the old scope: harmless only if a new grant followed.
			if Count(st.Entries, func(e fakeserver.Entry) bool { return IsLogin(e) && e.Status == 200 }) == 0 {
				f.add("refreshed (%s) after insufficient_scope: a refresh cannot widen scope, ask for a new grant with the scope named", SeqRange(refreshes))
			}
		}
	}
}

// judgeNoLeak: credentials stay on their origin; same-origin redirects
// keep working.
func judgeNoLeak(f *findings, steps []StepRecord) {
	for _, st := range steps {
		for _, e := range Leaks(st.Entries) {
			f.add("sent the %s credential to http://%s%s after a redirect (seq %d); credentials belong to the origin that issued them", e.Scheme, e.Host, e.Path, e.Seq)
		}
		for i, e := range st.Entries {
			if e.Reason != "redirect" || e.Location == "" || strings.HasPrefix(e.Location, "http") {
				continue
			}
			for _, next := range st.Entries[i+1:] {
				if next.Origin == "app" && IsAPICall(next) {
					if next.Scheme == "none" {
						f.add("dropped the credential on a same-origin redirect to %s (seq %d); the same origin may keep it", e.Location, next.Seq)
					}
					break
				}
			}
		}
	}
}

package suites

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
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
		if bad := failedCalls(st); len(bad) > 0 && !mayFail(sc, st) {
			f.add("did not recover: %s; it should have succeeded%s", describeFailures(st, bad), errorNote(st.Results[bad[0]]))
		}
	}
	switch {
	case mayFail(sc, last):
	case wantSuccess(sc):
		if bad := failedCalls(last); len(bad) > 0 {
			f.add("did not recover: %s; a client that recovers (%s) ends 2xx%s", describeFailures(last, bad), sc.Recovery, errorNote(last.Results[bad[0]]))
		}
	default:
		good := succeededCalls(last)
		if len(good) == 0 {
			break
		}
		f.add("succeeded where a correct client cannot: %s of the last call (%s) ended with status %d; the scenario refuses a correct client here, so this one sent what a correct %s client withholds, or passed off another answer as the API's",
			countOf(len(good), len(last.Results)), describeCall(last.Call), last.Results[good[0]].Status, sc.Recovery)
	}
	for _, st := range steps {
		checkNotTheAPI(&f, st)
		checkLoops(&f, st)
	}
	switch sc.Recovery {
	case scenarios.Refresh:
		judgeRefresh(&f, steps, wantSuccess(sc), sc.Workload.StoredToken)
	case scenarios.Relogin:
		judgeRelogin(&f, steps, wantSuccess(sc))
	case scenarios.FailFast:
		judgeFailFast(&f, sc, last)
	case scenarios.Backoff:
		judgeBackoff(&f, steps)
	case scenarios.SwitchScheme:
		judgeSwitchScheme(&f, steps)
	case scenarios.StepUp:
		judgeStepUp(&f, steps)
		judgeUserAuthentication(&f, steps)
	case scenarios.NoLeak:
		judgeNoLeak(&f, steps)
	case scenarios.NonceRetry:
		judgeNonceRetry(&f, steps)
	case scenarios.Discover:
		judgeDiscover(&f, steps)
	case scenarios.Poll:
		judgePoll(&f, steps)
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

// checkNotTheAPI flags a call that reported success with a page instead
// of the API's answer. The API answers JSON, so a 2xx whose body is
// markup came from whatever stood in its place (a captive portal a
// redirect led to, a login page, a proxy): the client handed that back as
// if the API had answered, and whoever called it reads garbage.
func checkNotTheAPI(f *findings, st StepRecord) {
	for _, r := range st.Results {
		if succeeded(r) && strings.HasPrefix(strings.TrimSpace(r.Body), "<") {
			f.add("passed off a page as the API's answer: call %d (%s) reported status %d with an HTML page (%s), not the API's JSON; something answered in the API's place (a portal a redirect led to, a login page, a proxy)", st.Index+1, describeCall(st.Call), r.Status, pageTitle(r.Body))
		}
	}
}

var titleRe = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// pageTitle names a page for a finding: its title, else its start.
func pageTitle(body string) string {
	if m := titleRe.FindStringSubmatch(body); m != nil && strings.TrimSpace(m[1]) != "" {
		return fmt.Sprintf("title %q", clip(m[1], 80))
	}
	return fmt.Sprintf("%q", clip(body, 80))
}

// checkLoops flags more than one retry of an API call per call made, the
// signature of a retry loop, whatever the recovery kind. Redirect hops
// and back-off retries are judged by their own rules.
func checkLoops(f *findings, st StepRecord) {
	n := len(st.Results)
	api := Filter(st.Entries, func(e fakeserver.Entry) bool {
		return IsAPICall(e) && e.Reason != journal.Redirect && e.Origin != journal.OtherOrigin && e.RetryAfter == "" && !isEdgeBlock(e)
	})
	failures := Filter(api, func(e fakeserver.Entry) bool { return e.Status == 401 || e.Status == 403 })
	if len(failures) > 2*n {
		f.add("retry loop: %d API calls were refused in call %d (%s) for %d call(s) made (%s); retry at most once", len(failures), st.Index+1, describeCall(st.Call), n, SeqRange(failures))
	}
	// A polling device makes many token requests by design; judgePoll
	// paces them.
	auth := Filter(st.Entries, func(e fakeserver.Entry) bool { return IsAuthRequest(e) && !IsDevicePoll(e) })
	if len(auth) > 2*n+1 {
		f.add("authentication loop: %d token/login requests during call %d (%s) (%s)", len(auth), st.Index+1, describeCall(st.Call), SeqRange(auth))
	}
}

// isEdgeBlock reports answers from a layer in front of the API that a
// back-off client retries.
func isEdgeBlock(e fakeserver.Entry) bool {
	return e.Origin != "" && e.Origin != journal.App && e.Origin != journal.OtherOrigin
}

// judgeRefresh: one token request per expiry, even with concurrent calls.
//
// Where even a correct client ends failing (clock-skew with the API
// behind: a fresh token is not yet valid either), a renewal is allowed
// but not required.
func judgeRefresh(f *findings, steps []StepRecord, mustRecover, storedToken bool) {
	for i, st := range steps {
		tokens := Filter(st.Entries, IsAuthRequest)
		allowed := 1
		if i == 0 && !st.AfterFault && !storedToken {
			// The first authentication, plus one refresh if it bites at
			// once. A client that starts from a stored token needs no
			// first authentication: its first token request is the one
			// refresh (google-auth refreshing twice showed the gap).
			allowed = 2
		}
		if len(tokens) > allowed {
			f.add("refreshed %d times for one expiry (%s) during call %d (%s)%s; a correct client makes one token request and shares it", len(tokens), SeqRange(tokens), st.Index+1, describeCall(st.Call), concurrentNote(st))
		}
		if failedTokenReuse(st.Entries) {
			f.add("reused a rotated refresh token (reason refresh_token_reused at %s): the server revoked the whole token family", SeqRange(Filter(st.Entries, reasonIs(journal.RefreshTokenReused))))
		}
		if refusal, ok := unanswered(st); ok && mustRecover {
			f.add("never asked for a new token: the API answered %s at seq %d in call %d (%s) and no token request followed%s", refusalWords(refusal), refusal.Seq, st.Index+1, describeCall(st.Call), errorNote(firstFailure(st)))
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
	return Count(es, reasonIs(journal.RefreshTokenReused)) > 0
}

func reasonIs(reason journal.Reason) func(fakeserver.Entry) bool {
	return func(e fakeserver.Entry) bool { return e.Reason == reason }
}

func anyFailed(rs []adapter.Result) bool {
	return slices.ContainsFunc(rs, func(r adapter.Result) bool { return !succeeded(r) })
}

// succeeded reports whether a call worked: a 2xx the client did not give
// up on. A client that reports an error has given up, whatever the
// status of the last answer it saw.
func succeeded(r adapter.Result) bool {
	return r.Status >= 200 && r.Status <= 299 && r.Error == ""
}

// unanswered finds the first 401 from the API in a step that failed, if
// no token or login request came after it: the client never tried to
// renew. It holds whether the fault bit after a clock move, an operator
// action, or by itself after some calls (a revocation after N calls, a
// stored token that was already dead).
func unanswered(st StepRecord) (fakeserver.Entry, bool) {
	if !anyFailed(st.Results) {
		return fakeserver.Entry{}, false
	}
	i := slices.IndexFunc(st.Entries, func(e fakeserver.Entry) bool {
		return IsAPICall(e) && e.Status == http.StatusUnauthorized && !isEdgeBlock(e) && e.Origin != journal.OtherOrigin
	})
	if i < 0 || Count(st.Entries[i+1:], IsAuthRequest) > 0 {
		return fakeserver.Entry{}, false
	}
	return st.Entries[i], true
}

func refusalWords(e fakeserver.Entry) string {
	if e.Reason != "" {
		return fmt.Sprintf("%d %s", e.Status, e.Reason)
	}
	return strconv.Itoa(e.Status)
}

// firstFailure is the first call of a step that did not succeed.
func firstFailure(st StepRecord) adapter.Result {
	if bad := failedCalls(st); len(bad) > 0 {
		return st.Results[bad[0]]
	}
	return adapter.Result{}
}

// judgeRelogin: authenticates again with primary credentials, no loop.
func judgeRelogin(f *findings, steps []StepRecord, mustRecover bool) {
	for _, st := range steps {
		logins := Filter(st.Entries, IsAuthRequest)
		allowed := 2 * len(st.Results) // a login, plus the second leg of a one-time-code login
		if len(logins) > allowed+1 {
			f.add("logged in %d times during call %d (%s) (%s); re-login once, then give up", len(logins), st.Index+1, describeCall(st.Call), SeqRange(logins))
		}
		if refusal, ok := unanswered(st); ok && mustRecover {
			f.add("never logged in again: the API answered %s at seq %d in call %d (%s) and no login or token request followed%s", refusalWords(refusal), refusal.Seq, st.Index+1, describeCall(st.Call), errorNote(firstFailure(st)))
		}
		// A refused credential that later succeeds without a login in
		// between was retried blindly: it worked here only because the
		// fault cleared, and it would loop against a server that meant it.
		// Another credential on the same path is not that: with calls in
		// flight, one call's login can complete before another call's
		// refusal is journaled, and that call rightly retries with it.
		for i, e := range st.Entries {
			if !IsAPICall(e) || e.Status != 401 {
				continue
			}
			for _, next := range st.Entries[i+1:] {
				if IsAuthRequest(next) {
					break
				}
				if IsAPICall(next) && next.Path == e.Path && next.Credential == e.Credential && next.Status < 300 {
					f.add("retried %s %s with the same credentials after 401 %s (seq %d → %d) instead of logging in again", next.Method, next.Path, e.Reason, e.Seq, next.Seq)
					break
				}
			}
		}
	}
}

// judgeFailFast: behaviour only — one attempt, at most one extra, no
// loop, no lock-out, no new credential for a 403. Whether the error names
// the cause is diagnostics (Advise), and the status the client reports is
// its own: the answer to its one allowed recovery (a refresh answered 400
// invalid_grant) is as good a report as the API's 401.
func judgeFailFast(f *findings, sc *scenarios.Scenario, last StepRecord) {
	api := Filter(last.Entries, func(e fakeserver.Entry) bool { return IsAPICall(e) && e.Status >= 400 })
	if len(api) > 2*len(last.Results) {
		f.add("retried a call that cannot succeed: %d refused API calls (%s); fail fast after at most one extra attempt", len(api), SeqRange(api))
	}
	logins := Filter(last.Entries, IsLogin)
	if len(logins) > 2*len(last.Results) {
		f.add("tried to authenticate %d times (%s); at most one extra attempt, never password guessing", len(logins), SeqRange(logins))
	}
	// An account that locks on its first failure (threshold 1) was not
	// locked by retrying: only a lock after an earlier login is.
	if len(logins) > 0 {
		if locked := Filter(last.Entries, func(e fakeserver.Entry) bool { return e.Reason == journal.AccountLocked && e.Seq > logins[0].Seq }); len(locked) > 0 {
			f.add("locked the account out by retrying the login: %s, the lock at %s; a refused password is not retried", plural(len(logins), "login attempt"), SeqRange(locked))
		}
	}
	refreshes := Filter(last.Entries, func(e fakeserver.Entry) bool { return IsTokenRequest(e) && e.Grant == "refresh_token" })
	if len(refreshes) > len(last.Results) {
		f.add("refreshed %d times (%s) for a failure a new token cannot fix", len(refreshes), SeqRange(refreshes))
	}
	if i := slices.IndexFunc(last.Entries, func(e fakeserver.Entry) bool { return e.Status == http.StatusForbidden }); i >= 0 {
		// Only what came after the 403 answers it; a first login in
		// the same call does not.
		if auth := Filter(last.Entries[i+1:], IsAuthRequest); len(auth) > 0 {
			f.add("answered a 403 with a token or login request (%s); 403 means authenticated but not permitted, a new credential will not help", SeqRange(auth))
		}
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
	all := entriesOf(steps)
	firstFail := slices.IndexFunc(all, func(e fakeserver.Entry) bool { return IsAPICall(e) && e.Status >= 400 })
	if firstFail < 0 {
		return
	}
	if auth := Filter(all[firstFail+1:], IsAuthRequest); len(auth) > 0 {
		f.add("renewed where it should have waited: %s (%s) after the %s answer at seq %d%s; %s", plural(len(auth), "token/login request"), SeqRange(auth), refusalWords(all[firstFail]), all[firstFail].Seq, whoAnswered(all[firstFail]), waitAdvice(all[firstFail]))
	}
	var early []string
	for _, st := range steps {
		early = append(early, earlyRetries(st)...)
	}
	if len(early) > 0 {
		f.add("ignored Retry-After %d time(s): first %s", len(early), early[0])
	}
}

// earlyRetries finds requests that came back to a host and path sooner
// than a refusal there said with Retry-After. The journal does not say
// which call sent a request, so a request is early only when no call
// could have sent it on time: each of the step's calls makes one first
// attempt, and each refusal allows one more request, once its
// Retry-After has passed. With several calls in flight, one call's first
// attempt that lands after another's refusal is therefore not early.
// Matching a request to a refusal whose wait is over before spending a
// first attempt on it finds the fewest early requests there can be.
func earlyRetries(st StepRecord) []string {
	type place struct{ host, path string }
	firsts := map[place]int{}                 // first attempts left
	waiting := map[place][]fakeserver.Entry{} // answers not yet followed
	var early []string
	for _, e := range st.Entries {
		at := place{e.Host, e.Path}
		if _, seen := firsts[at]; !seen {
			firsts[at] = len(st.Results)
		}
		q := waiting[at]
		switch due := slices.IndexFunc(q, func(r fakeserver.Entry) bool { return !e.At.Before(retryDue(r)) }); {
		case due >= 0:
			waiting[at] = slices.Delete(q, due, due+1)
		case firsts[at] > 0:
			firsts[at]--
		case len(q) > 0:
			r := q[0] // the refusal waited on longest: the kindest reading
			waiting[at] = q[1:]
			early = append(early, fmt.Sprintf("retried %s %s after %s (seq %d), though seq %d said Retry-After: %s", r.Method, r.Path, e.At.Sub(r.At).Round(time.Millisecond), e.Seq, r.Seq, r.RetryAfter))
		}
		if e.Status >= 300 {
			waiting[at] = append(waiting[at], e)
		}
	}
	return early
}

// retryDue is when a request may follow answer e: as soon as it came,
// unless it said Retry-After in seconds.
func retryDue(e fakeserver.Entry) time.Time {
	secs, err := strconv.Atoi(e.RetryAfter)
	if err != nil || e.Status < 400 {
		return e.At
	}
	return e.At.Add(time.Duration(secs)*time.Second - retryAfterSlack)
}

// judgeSwitchScheme: resends with the scheme the challenge asked for.
func judgeSwitchScheme(f *findings, steps []StepRecord) {
	for _, st := range steps {
		if i := slices.IndexFunc(st.Entries, reasonIs(journal.WrongScheme)); i >= 0 {
			checkSchemeResent(f, st, st.Entries[i])
		}
		if refreshes := Filter(st.Entries, func(e fakeserver.Entry) bool { return IsTokenRequest(e) && e.Grant == "refresh_token" }); len(refreshes) > 0 && Count(st.Entries, reasonIs(journal.WrongScheme)) > 0 {
			f.add("refreshed the token (%s) when the server asked for another scheme; a new token of the wrong kind does not help", SeqRange(refreshes))
		}
	}
}

// checkSchemeResent flags a scheme sent again after the server refused it
// with wrong_scheme. Each call in flight may send it once, as its first
// attempt, before it learns; any more on the same path were resent
// after the challenge.
func checkSchemeResent(f *findings, st StepRecord, refused fakeserver.Entry) {
	same := Filter(st.Entries, func(e fakeserver.Entry) bool {
		return IsAPICall(e) && e.Path == refused.Path && e.Scheme == refused.Scheme
	})
	resent := len(same) - len(st.Results)
	if resent <= 0 {
		return
	}
	first := same[len(st.Results)]
	challenge := refused
	for _, e := range st.Entries {
		if e.Seq >= first.Seq {
			break
		}
		if e.Reason == journal.WrongScheme && e.Path == refused.Path {
			challenge = e
		}
	}
	f.add("ignored the challenge %d time(s): first after a wrong_scheme challenge at seq %d, resent %s %s with %s again (seq %d); read WWW-Authenticate and switch scheme", resent, challenge.Seq, first.Method, first.Path, first.Scheme, first.Seq)
}

// judgeStepUp: after insufficient_scope, a new grant (a refresh cannot
// widen scope, RFC 6749 §6) that adds scope to what the client held.
func judgeStepUp(f *findings, steps []StepRecord) {
	var held []string // scope of the last token granted
	for _, st := range steps {
		// One step-up, or one finding, answers every later refusal in
		// the step: those are calls that were in flight, or the one
		// retry, whose outcome the call's result shows.
		refused, judged := false, false
		for i, e := range st.Entries {
			if IsTokenRequest(e) && e.Status == 200 {
				if refused && e.Grant != "refresh_token" && widens(e.Scope, held) {
					judged = true
				}
				held = strings.Fields(e.Scope)
				continue
			}
			if e.Reason != journal.InsufficientScope || judged {
				continue
			}
			refused = true
			if msg := stepUpMissing(e, st.Entries[i+1:], held); msg != "" {
				f.add("%s", msg)
				judged = true
			}
		}
	}
}

// stepUpMissing says what the client did instead of stepping up after
// refusal, or "" when it stepped up. A new grant the token endpoint
// refused counts as asking: the call's result says how that ended.
func stepUpMissing(refusal fakeserver.Entry, after []fakeserver.Entry, held []string) string {
	var refreshed, narrow *fakeserver.Entry
	for _, e := range after {
		switch {
		case !IsTokenRequest(e):
		case e.Grant == "refresh_token":
			if refreshed == nil {
				refreshed = &e
			}
		case e.Status != 200 || widens(e.Scope, held):
			return ""
		case narrow == nil:
			narrow = &e
		}
	}
	switch {
	case refreshed != nil:
		return fmt.Sprintf("refreshed (seq %d) after insufficient_scope at seq %d: a refresh cannot widen scope, ask for a new grant with the scope named", refreshed.Seq, refusal.Seq)
	case narrow != nil:
		return fmt.Sprintf("asked for a new token (seq %d) after insufficient_scope at seq %d, but got no more scope than before (%q); ask for the scope the challenge names", narrow.Seq, refusal.Seq, narrow.Scope)
	}
	return fmt.Sprintf("did not ask for a token with more scope after insufficient_scope at seq %d", refusal.Seq)
}

// widens reports whether scope grants something held lacks.
func widens(scope string, held []string) bool {
	for _, s := range strings.Fields(scope) {
		if !slices.Contains(held, s) {
			return true
		}
	}
	return false
}

// judgeNoLeak: credentials stay on their origin; same-origin redirects
// keep working.
func judgeNoLeak(f *findings, steps []StepRecord) {
	for _, st := range steps {
		for _, e := range Leaks(st.Entries) {
			f.add("sent the %s credential to http://%s%s after a redirect (seq %d); credentials belong to the origin that issued them", e.Scheme, e.Host, e.Path, e.Seq)
		}
		for i, e := range st.Entries {
			if e.Reason != journal.Redirect || e.Location == "" || strings.HasPrefix(e.Location, "http") {
				continue
			}
			for _, next := range st.Entries[i+1:] {
				if next.Origin == journal.App && IsAPICall(next) {
					if next.Scheme == "none" {
						f.add("dropped the credential on a same-origin redirect to %s (seq %d); the same origin may keep it", e.Location, next.Seq)
					}
					break
				}
			}
		}
	}
}

// whoAnswered names the layer behind a refusal, for back-off findings.
func whoAnswered(e fakeserver.Entry) string {
	var parts []string
	if isEdgeBlock(e) {
		parts = append(parts, "from "+string(e.Origin)+", not the API")
	}
	if e.RetryAfter != "" {
		parts = append(parts, "with Retry-After: "+e.RetryAfter)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// waitAdvice says what a back-off client does instead of renewing.
func waitAdvice(e fakeserver.Entry) string {
	if e.RetryAfter != "" {
		return "an answer that says Retry-After, from a realm or layer other than the API's, is not about the credential: keep it, wait as Retry-After says, retry"
	}
	return "the answer did not come from the API, so the credential is not at fault: keep it, wait, retry"
}

// mayFail reports whether a correct client may refuse the step's call
// (scenarios.Call.MayFail), from the record or from the workload.
func mayFail(sc *scenarios.Scenario, st StepRecord) bool {
	if st.MayFail {
		return true
	}
	n := 0
	for _, step := range sc.Workload.Steps {
		if step.Call == nil {
			continue
		}
		if n == st.Index {
			return step.Call.MayFail
		}
		n++
	}
	return false
}

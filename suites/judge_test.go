package suites_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

// Hand-built journals: what a client did, entry by entry, as the fake
// server would have recorded it. journal numbers the entries (seq 1, 2,
// ... across all steps) so the findings below can quote exact seqs.

const (
	appHost   = "127.0.0.1:8401"
	crossHost = "localhost:46713" // the other origin, by another host name
	otherPort = "127.0.0.1:46713" // the other origin, by another port
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// entry is a journal entry under construction.
type entry fakeserver.Entry

func api(path, scheme string, status int, reason journal.Reason) entry {
	return entry{Host: appHost, Method: "GET", Path: path, Scheme: scheme, Credential: "sha256:" + scheme,
		Status: status, Reason: reason, Origin: journal.App}
}

func tokenReq(grant string, status int, reason journal.Reason) entry {
	return entry{Host: appHost, Method: "POST", Path: "/oauth/token", Scheme: "Basic", Credential: "sha256:client",
		Grant: grant, Scope: "read", Status: status, Reason: reason, Origin: journal.App}
}

func loginReq(status int, reason journal.Reason) entry {
	return entry{Host: appHost, Method: "POST", Path: "/login", Scheme: "none", Status: status, Reason: reason, Origin: journal.App}
}

// otherOrigin is what the redirect target records.
func otherOrigin(host, path, scheme string) entry {
	return entry{Host: host, Method: "GET", Path: path, Scheme: scheme, Status: 200, Origin: journal.OtherOrigin}
}

// at pins the server-clock time (default: t0 + seq ms).
func (e entry) at(d time.Duration) entry { e.At = t0.Add(d); return e }

// edge marks an answer from a layer in front of the API.
func (e entry) edge(origin journal.Origin, retryAfter string) entry {
	e.Origin, e.RetryAfter = origin, retryAfter
	return e
}

func (e entry) redirectTo(loc string) entry {
	e.Status, e.Reason, e.Location = 307, journal.Redirect, loc
	return e
}

func (e entry) scope(s string) entry { e.Scope = s; return e }

// cred sets the credential's fingerprint, for journals where a client
// holds more than one credential in turn.
func (e entry) cred(fp string) entry { e.Credential = fp; return e }

func times(n int, e entry) []entry {
	out := make([]entry, n)
	for i := range out {
		out[i] = e
	}
	return out
}

func cat(parts ...[]entry) []entry {
	var out []entry
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func ok(n int) []adapter.Result {
	return results(n, adapter.Result{Status: 200, Body: `{"items":[]}`})
}

func failed(status int, err string) []adapter.Result {
	return []adapter.Result{{Status: status, Error: err}}
}

func results(n int, r adapter.Result) []adapter.Result {
	out := make([]adapter.Result, n)
	for i := range out {
		out[i] = r
	}
	return out
}

// call is one call step: what the workload asked, what the client
// returned, and what the server recorded meanwhile.
func call(path string, rs []adapter.Result, es ...entry) suites.StepRecord {
	st := suites.StepRecord{Call: adapter.Call{Method: "GET", Path: path}, Results: rs}
	for _, e := range es {
		st.Entries = append(st.Entries, fakeserver.Entry(e))
	}
	return st
}

// afterFault marks a step that follows a clock move or operator action.
func afterFault(st suites.StepRecord) suites.StepRecord { st.AfterFault = true; return st }

// journal numbers steps and entries in order.
func journalOf(steps ...suites.StepRecord) []suites.StepRecord {
	var seq int64
	out := make([]suites.StepRecord, len(steps))
	for i, st := range steps {
		st.Index = i
		es := make([]fakeserver.Entry, len(st.Entries))
		for j, e := range st.Entries {
			seq++
			e.Seq = seq
			if e.At.IsZero() {
				e.At = t0.Add(time.Duration(seq) * time.Millisecond)
			}
			es[j] = e
		}
		st.Entries = es
		out[i] = st
	}
	return out
}

// Journals that several entries vary.

// expiredToken: a first call that works, the token expires, then the
// second call (one call, or several in flight) does what step2 says.
func expiredToken(rs []adapter.Result, step2 ...entry) []suites.StepRecord {
	return journalOf(
		call("/api/items", ok(1), tokenReq("password", 200, ""), api("/api/items", "Bearer", 200, "")),
		afterFault(call("/api/items", rs, step2...)),
	)
}

func expiredSession(rs []adapter.Result, step2 ...entry) []suites.StepRecord {
	return journalOf(
		call("/api/me", ok(1), loginReq(200, ""), api("/api/me", "Cookie", 200, "")),
		afterFault(call("/api/me", rs, step2...)),
	)
}

// revokedKey: /api/me works, then the key is revoked under /api/items.
func revokedKey(rs []adapter.Result, step2 ...entry) []suites.StepRecord {
	return journalOf(
		call("/api/me", ok(1), api("/api/me", "ApiKey", 200, "")),
		call("/api/items", rs, step2...),
	)
}

func withToken(first string, rs []adapter.Result, step2 ...entry) []suites.StepRecord {
	return journalOf(
		call("/api/me", ok(1), tokenReq(first, 200, ""), api("/api/me", "Bearer", 200, "")),
		call("/api/items", rs, step2...),
	)
}

// redirects: /api/me to itself, /api/items to another host name,
// /api/export to another port; the schemes say what the client sent on
// the second hop.
func redirects(sameOrigin entry, meResult []adapter.Result, crossScheme, portScheme string) []suites.StepRecord {
	return journalOf(
		call("/api/me", meResult,
			tokenReq("client_credentials", 200, ""),
			api("/api/me", "Bearer", 0, "").redirectTo("/api/me?moved=1"),
			sameOrigin),
		call("/api/items", ok(1),
			api("/api/items", "Bearer", 0, "").redirectTo("http://"+crossHost+"/mirror/items"),
			otherOrigin(crossHost, "/mirror/items", crossScheme)),
		call("/api/export", ok(1),
			api("/api/export", "Bearer", 0, "").redirectTo("http://"+otherPort+"/mirror/export"),
			otherOrigin(otherPort, "/mirror/export", portScheme)),
	)
}

var _ = Describe("Judge", func() {
	DescribeTable("reads what the client did from the journal",
		func(id string, steps []suites.StepRecord, want []string) {
			sc, found := scenarios.Lookup(id)
			Expect(found).To(BeTrue(), "no scenario %s in the catalog", id)
			got := suites.Judge(sc, steps)
			if len(want) == 0 {
				Expect(got).To(BeEmpty(), "a correct client has no findings")
				return
			}
			Expect(got).To(Equal(want))
		},

		Entry("no calls at all", "expired-token", []suites.StepRecord(nil),
			[]string{"the workload made no calls"}),

		// refresh
		Entry("refresh: one refresh after the expiry, then a retry", "expired-token",
			expiredToken(ok(1),
				api("/api/items", "Bearer", 401, journal.TokenExpired), tokenReq("refresh_token", 200, ""), api("/api/items", "Bearer", 200, "")),
			nil),
		Entry("refresh: never asks for a new token", "expired-token",
			expiredToken(failed(401, "unauthorized"), api("/api/items", "Bearer", 401, journal.TokenExpired)),
			[]string{
				"did not recover: call 2 (GET /api/items) ended with status 401, while the server saw no token/login request and 1 API call refused (seq 3); a client that recovers (refresh) ends 2xx (client's error: \"unauthorized\")",
				"never asked for a new token: the API answered 401 token_expired at seq 3 in call 2 (GET /api/items) and no token request followed (client's error: \"unauthorized\")",
			}),
		Entry("refresh: a client that never reached the server is not said to have had an API answer", "expired-token",
			expiredToken(failed(0, "dial tcp 127.0.0.1:8401: connection refused")),
			[]string{
				"did not recover: call 2 (GET /api/items) ended with status 0 (no answer); a client that recovers (refresh) ends 2xx (client's error: \"dial tcp 127.0.0.1:8401: connection refused\")",
			}),
		Entry("refresh: an earlier call that should have worked", "expired-token",
			journalOf(
				call("/api/items", failed(0, "token endpoint: EOF"), tokenReq("password", 200, "")),
				afterFault(call("/api/items", ok(1), tokenReq("password", 200, ""), api("/api/items", "Bearer", 200, ""))),
			),
			[]string{
				"did not recover: call 1 (GET /api/items) ended with status 0 (no answer), while the server saw 1 token/login request succeed (seq 1); it should have succeeded (client's error: \"token endpoint: EOF\")",
			}),
		Entry("refresh: two token requests for one expiry", "expired-token",
			expiredToken(ok(1),
				api("/api/items", "Bearer", 401, journal.TokenExpired),
				tokenReq("refresh_token", 200, ""), tokenReq("refresh_token", 200, ""),
				api("/api/items", "Bearer", 200, "")),
			[]string{"refreshed 2 times for one expiry (seq 4-5) during call 2 (GET /api/items); a correct client makes one token request and shares it"}),
		Entry("refresh: a stored token refreshed once on the first call", "stale-cached-credentials",
			journalOf(call("/api/items", ok(1),
				api("/api/items", "Bearer", 401, journal.TokenRevoked), tokenReq("refresh_token", 200, ""), api("/api/items", "Bearer", 200, ""))),
			nil),
		Entry("refresh: three token requests on the first call", "stale-cached-credentials",
			journalOf(call("/api/items", ok(1),
				api("/api/items", "Bearer", 401, journal.TokenRevoked),
				tokenReq("refresh_token", 200, ""), tokenReq("refresh_token", 200, ""), tokenReq("password", 200, ""),
				api("/api/items", "Bearer", 200, ""))),
			[]string{"refreshed 3 times for one expiry (seq 2-4) during call 1 (GET /api/items); a correct client makes one token request and shares it"}),
		Entry("refresh: a stored token refreshed twice (google-auth's 5-minute skew) needs no first login to excuse it", "stale-cached-credentials",
			journalOf(call("/api/items", ok(1),
				api("/api/items", "Bearer", 401, journal.TokenRevoked),
				tokenReq("refresh_token", 200, ""), tokenReq("refresh_token", 200, ""),
				api("/api/items", "Bearer", 200, ""))),
			[]string{"refreshed 2 times for one expiry (seq 2-3) during call 1 (GET /api/items); a correct client makes one token request and shares it"}),
		Entry("refresh: 8 calls in flight share one refresh", "concurrent-expiry",
			expiredToken(ok(8), cat(
				times(8, api("/api/items", "Bearer", 401, journal.TokenExpired)),
				times(1, tokenReq("refresh_token", 200, "")),
				times(8, api("/api/items", "Bearer", 200, "")))...),
			nil),
		Entry("refresh: a stampede, one refresh per call in flight", "concurrent-expiry",
			expiredToken(ok(8), cat(
				times(8, api("/api/items", "Bearer", 401, journal.TokenExpired)), // seq 3-10
				times(7, tokenReq("refresh_token", 200, "")),                     // seq 11-17
				times(8, api("/api/items", "Bearer", 200, "")))...),              // seq 18-25
			[]string{"refreshed 7 times for one expiry (seq 11-17) during call 2 (GET /api/items) with 8 calls in flight; a correct client makes one token request and shares it"}),
		Entry("refresh: 7 of 8 calls fail after one shared refresh: the finding says so, and which", "concurrent-expiry",
			expiredToken(append(ok(1), results(7, adapter.Result{Status: 401, Error: "unauthorized"})...),
				append(times(8, api("/api/items", "Bearer", 401, journal.TokenExpired)),
					tokenReq("refresh_token", 200, ""), api("/api/items", "Bearer", 200, ""))...),
			[]string{
				"did not recover: 7 of 8 calls in flight in call 2 (GET /api/items) failed (calls 2-8 ended with status 401), while the server saw 1 token/login request succeed (seq 11) and 8 API calls refused (seq 3-10); a client that recovers (refresh) ends 2xx (client's error: \"unauthorized\")",
			}),
		Entry("refresh: a revocation after N calls, with no clock move, still says no token was asked for", "revoked-token",
			withToken("password", failed(401, "unauthorized"), api("/api/items", "Bearer", 401, journal.TokenRevoked)),
			[]string{
				"did not recover: call 2 (GET /api/items) ended with status 401, while the server saw no token/login request and 1 API call refused (seq 3); a client that recovers (refresh) ends 2xx (client's error: \"unauthorized\")",
				"never asked for a new token: the API answered 401 token_revoked at seq 3 in call 2 (GET /api/items) and no token request followed (client's error: \"unauthorized\")",
			}),
		Entry("refresh: 8 calls that fail alike give one finding, not 8", "concurrent-expiry",
			expiredToken(results(8, adapter.Result{Status: 401, Error: "unauthorized"}),
				times(8, api("/api/items", "Bearer", 401, journal.TokenExpired))...),
			[]string{
				"did not recover: 8 of 8 calls in flight in call 2 (GET /api/items) failed (calls 1-8 ended with status 401), while the server saw no token/login request and 8 API calls refused (seq 3-10); a client that recovers (refresh) ends 2xx (client's error: \"unauthorized\")",
				"never asked for a new token: the API answered 401 token_expired at seq 3 in call 2 (GET /api/items) and no token request followed (client's error: \"unauthorized\")",
			}),
		Entry("refresh: reusing a rotated refresh token", "refresh-token-rotation",
			journalOf(
				call("/api/items", ok(1), tokenReq("password", 200, ""), api("/api/items", "Bearer", 200, "")),
				afterFault(call("/api/items", ok(1),
					api("/api/items", "Bearer", 401, journal.TokenExpired), tokenReq("refresh_token", 200, ""), api("/api/items", "Bearer", 200, ""))),
				afterFault(call("/api/items", failed(401, "token refresh failed: invalid_grant"),
					api("/api/items", "Bearer", 401, journal.TokenExpired), tokenReq("refresh_token", 400, journal.RefreshTokenReused))),
			),
			[]string{
				"did not recover: call 3 (GET /api/items) ended with status 401, while the server saw 1 token/login request refused (seq 7) and 1 API call refused (seq 6); a client that recovers (refresh) ends 2xx (client's error: \"token refresh failed: invalid_grant\")",
				"reused a rotated refresh token (reason refresh_token_reused at seq 7): the server revoked the whole token family",
			}),

		// relogin
		Entry("relogin: logs in again once, then retries", "expired-session",
			expiredSession(ok(1), api("/api/me", "Cookie", 401, journal.SessionExpired), loginReq(200, ""), api("/api/me", "Cookie", 200, "")),
			nil),
		Entry("relogin: retries with the same cookie", "expired-session",
			expiredSession(ok(1), api("/api/me", "Cookie", 401, journal.SessionExpired), api("/api/me", "Cookie", 200, "")),
			[]string{"retried GET /api/me with the same credentials after 401 session_expired (seq 3 → 4) instead of logging in again"}),
		Entry("relogin: a call in flight retries with the session another call's login got", "expired-session",
			expiredSession(ok(2),
				api("/api/me", "Cookie", 401, journal.SessionExpired).cred("sha256:old"), // seq 3: call A
				loginReq(200, ""), // seq 4: A logs in again
				api("/api/me", "Cookie", 401, journal.SessionExpired).cred("sha256:old"), // seq 5: call B, sent before the login
				api("/api/me", "Cookie", 200, "").cred("sha256:new"),                     // seq 6: A's retry
				api("/api/me", "Cookie", 200, "").cred("sha256:new")),                    // seq 7: B's retry, with A's session
			nil),
		Entry("relogin: logs in four times for one expiry", "expired-session",
			expiredSession(ok(1), cat(
				times(1, api("/api/me", "Cookie", 401, journal.SessionExpired)),
				times(4, loginReq(200, "")),
				times(1, api("/api/me", "Cookie", 200, "")))...),
			[]string{
				"authentication loop: 4 token/login requests during call 2 (GET /api/me) (seq 4-7)",
				"logged in 4 times during call 2 (GET /api/me) (seq 4-7); re-login once, then give up",
			}),
		Entry("relogin: never logs in again", "expired-session",
			expiredSession(failed(401, "session expired"), api("/api/me", "Cookie", 401, journal.SessionExpired)),
			[]string{
				"did not recover: call 2 (GET /api/me) ended with status 401, while the server saw no token/login request and 1 API call refused (seq 3); a client that recovers (relogin) ends 2xx (client's error: \"session expired\")",
				"never logged in again: the API answered 401 session_expired at seq 3 in call 2 (GET /api/me) and no login or token request followed (client's error: \"session expired\")",
			}),
		Entry("relogin: a client that gave up before sending is not said to have had an API answer", "expired-session",
			expiredSession(failed(0, "cookie jar: permission denied")),
			[]string{
				"did not recover: call 2 (GET /api/me) ended with status 0 (no answer); a client that recovers (relogin) ends 2xx (client's error: \"cookie jar: permission denied\")",
			}),

		// fail-fast
		Entry("fail-fast: stops at the revoked key and says so", "revoked-key",
			revokedKey(failed(401, "unauthorized (401): api_key_revoked (invalid_key)"), api("/api/items", "ApiKey", 401, journal.APIKeyRevoked)),
			nil),
		Entry("fail-fast: hands the 401 back without an error: behaviour is right (advisory only)", "revoked-key",
			revokedKey([]adapter.Result{{Status: 401, Body: `{"reason":"api_key_revoked"}`}}, api("/api/items", "ApiKey", 401, journal.APIKeyRevoked)),
			nil),
		Entry("fail-fast: an error that does not name the cause: behaviour is right (advisory only)", "revoked-key",
			revokedKey(failed(401, "request failed"), api("/api/items", "ApiKey", 401, journal.APIKeyRevoked)),
			nil),
		Entry("fail-fast: reports another status than the API's: the status is never pinned", "revoked-key",
			revokedKey(failed(0, "api_key_revoked"), api("/api/items", "ApiKey", 401, journal.APIKeyRevoked)),
			nil),
		Entry("fail-fast: a retry loop on a revoked key", "revoked-key",
			revokedKey(failed(401, "api_key_revoked"), times(4, api("/api/items", "ApiKey", 401, journal.APIKeyRevoked))...),
			[]string{
				"retry loop: 4 API calls were refused in call 2 (GET /api/items) for 1 call(s) made (seq 2-5); retry at most once",
				"retried a call that cannot succeed: 4 refused API calls (seq 2-5); fail fast after at most one extra attempt",
			}),
		Entry("fail-fast: one wrong password, reported", "wrong-password",
			journalOf(call("/api/me", failed(0, "login failed: wrong_password"), loginReq(401, journal.WrongPassword))),
			nil),
		Entry("fail-fast: guessing into a lock-out", "wrong-password",
			journalOf(call("/api/me", failed(0, "login failed: wrong password, account locked"),
				append(times(3, loginReq(401, journal.WrongPassword)), loginReq(401, journal.AccountLocked))...)),
			[]string{
				"authentication loop: 4 token/login requests during call 1 (GET /api/me) (seq 1-4)",
				"tried to authenticate 4 times (seq 1-4); at most one extra attempt, never password guessing",
				"locked the account out by retrying the login: 4 login attempts, the lock at seq 4; a refused password is not retried",
			}),
		Entry("fail-fast: invalid_client reported without its cause: behaviour is right (advisory only)", "client-mismatch",
			journalOf(call("/api/items", failed(0, "token request failed: 401"), tokenReq("client_credentials", 401, journal.InvalidClient))),
			nil),
		Entry("fail-fast: 403 reported as it is", "forbidden-not-unauthorized",
			withToken("password", failed(403, "forbidden (403): insufficient_role"), api("/api/items", "Bearer", 403, journal.InsufficientRole)),
			nil),
		Entry("fail-fast: the first login in the call that meets the 403 does not answer it", "forbidden-not-unauthorized",
			journalOf(call("/api/items", failed(403, "forbidden (403): insufficient_role"),
				tokenReq("password", 200, ""), api("/api/items", "Bearer", 403, journal.InsufficientRole))),
			nil),
		Entry("fail-fast: refresh on 403", "forbidden-not-unauthorized",
			withToken("password", failed(403, "forbidden (403): insufficient_role"),
				api("/api/items", "Bearer", 403, journal.InsufficientRole), tokenReq("refresh_token", 200, ""), api("/api/items", "Bearer", 403, journal.InsufficientRole)),
			[]string{"answered a 403 with a token or login request (seq 4); 403 means authenticated but not permitted, a new credential will not help"}),
		Entry("fail-fast: refreshing again and again for a 403", "forbidden-not-unauthorized",
			withToken("password", failed(403, "forbidden (403): insufficient_role"),
				api("/api/items", "Bearer", 403, journal.InsufficientRole), tokenReq("refresh_token", 200, ""),
				api("/api/items", "Bearer", 403, journal.InsufficientRole), tokenReq("refresh_token", 200, "")),
			[]string{
				"refreshed 2 times (seq 4-6) for a failure a new token cannot fix",
				"answered a 403 with a token or login request (seq 4-6); 403 means authenticated but not permitted, a new credential will not help",
			}),

		// backoff
		Entry("backoff: waits as Retry-After says, keeps the token", "waf-block",
			journalOf(call("/api/items", ok(1),
				tokenReq("client_credentials", 200, ""),
				api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(2*time.Millisecond),
				api("/api/items", "Bearer", 200, "").at(1002*time.Millisecond))),
			nil),
		Entry("backoff: several edge blocks, each waited out, are not a retry loop", "waf-block",
			journalOf(call("/api/items", ok(1),
				tokenReq("client_credentials", 200, ""),
				api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(2*time.Millisecond),
				api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(1002*time.Millisecond),
				api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(2002*time.Millisecond),
				api("/api/items", "Bearer", 200, "").at(3002*time.Millisecond))),
			nil),
		Entry("backoff: retries 12ms after Retry-After: 1", "waf-block",
			journalOf(call("/api/items", ok(1),
				tokenReq("client_credentials", 200, ""),
				api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(2*time.Millisecond),
				api("/api/items", "Bearer", 200, "").at(14*time.Millisecond))),
			[]string{"ignored Retry-After 1 time(s): first retried GET /api/items after 12ms (seq 3), though seq 2 said Retry-After: 1"}),
		Entry("backoff: calls in flight, each refused and each waiting its own Retry-After, are not early", "waf-block",
			journalOf(call("/api/items", ok(3), cat(
				times(1, tokenReq("client_credentials", 200, "")),
				[]entry{
					api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(2 * time.Millisecond),
					api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(3 * time.Millisecond),
					api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(4 * time.Millisecond),
					api("/api/items", "Bearer", 200, "").at(1002 * time.Millisecond),
					api("/api/items", "Bearer", 200, "").at(1003 * time.Millisecond),
					api("/api/items", "Bearer", 200, "").at(1004 * time.Millisecond),
				})...)),
			nil),
		Entry("backoff: a late first attempt is not a retry, but one call retrying at once is", "waf-block",
			journalOf(call("/api/items", ok(2),
				tokenReq("client_credentials", 200, ""),
				api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(2*time.Millisecond),  // seq 2: call A
				api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(3*time.Millisecond),  // seq 3: call B's first attempt
				api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(10*time.Millisecond), // seq 4: A or B again, too soon
				api("/api/items", "Bearer", 200, "").at(1010*time.Millisecond),
				api("/api/items", "Bearer", 200, "").at(1011*time.Millisecond))),
			[]string{"ignored Retry-After 1 time(s): first retried GET /api/items after 8ms (seq 4), though seq 2 said Retry-After: 1"}),
		Entry("backoff: a portal page handed back as the API's answer", "captive-portal",
			journalOf(call("/api/items", []adapter.Result{{Status: 200, Body: "<!DOCTYPE html>\n<html><head><title>Welcome to Hotel Guest Wi-Fi</title></head><body>accept the terms</body></html>"}},
				tokenReq("client_credentials", 200, ""),
				api("/api/items", "Bearer", 302, journal.CaptivePortalRedirect).edge(journal.Portal, ""),
				otherOrigin(crossHost, "/portal", "none"))),
			[]string{`passed off a page as the API's answer: call 1 (GET /api/items) reported status 200 with an HTML page (title "Welcome to Hotel Guest Wi-Fi"), not the API's JSON; something answered in the API's place (a portal a redirect led to, a login page, a proxy)`}),
		Entry("backoff: a call that gave up is no success, whatever status it saw last", "captive-portal",
			journalOf(call("/api/items", []adapter.Result{{Status: 200, Body: "<html><title>Hotel Wi-Fi</title></html>", Error: "not the API's answer: a portal page"}},
				tokenReq("client_credentials", 200, ""),
				api("/api/items", "Bearer", 302, journal.CaptivePortalRedirect).edge(journal.Portal, ""),
				otherOrigin(crossHost, "/portal", "none"))),
			[]string{
				"did not recover: call 1 (GET /api/items) ended with status 200, while the server saw 1 token/login request succeed (seq 1); a client that recovers (backoff) ends 2xx (client's error: \"not the API's answer: a portal page\")",
			}),
		Entry("backoff: throws the token away on an edge 401", "waf-block",
			journalOf(call("/api/items", ok(1),
				tokenReq("client_credentials", 200, ""),
				api("/api/items", "Bearer", 401, journal.WAFBlock).edge(journal.WAF, "1").at(2*time.Millisecond),
				tokenReq("client_credentials", 200, "").at(1002*time.Millisecond),
				api("/api/items", "Bearer", 200, "").at(1003*time.Millisecond))),
			[]string{
				"renewed where it should have waited: 1 token/login request (seq 3) after the 401 waf_block answer at seq 2 (from waf, not the API, with Retry-After: 1); an answer that says Retry-After, from a realm or layer other than the API's, is not about the credential: keep it, wait as Retry-After says, retry",
			}),

		// switch-scheme
		Entry("switch-scheme: resends with the scheme the challenge asked for", "wrong-scheme",
			withToken("client_credentials", ok(1), api("/api/items", "Bearer", 401, journal.WrongScheme), api("/api/items", "ApiKey", 200, "")),
			nil),
		Entry("switch-scheme: a call in flight that sent the old scheme before the challenge came back", "wrong-scheme",
			withToken("client_credentials", ok(2),
				api("/api/items", "Bearer", 401, journal.WrongScheme), api("/api/items", "Bearer", 401, journal.WrongScheme),
				api("/api/items", "ApiKey", 200, ""), api("/api/items", "ApiKey", 200, "")),
			nil),
		Entry("switch-scheme: resends the same scheme", "wrong-scheme",
			withToken("client_credentials", failed(401, "unauthorized"),
				api("/api/items", "Bearer", 401, journal.WrongScheme), api("/api/items", "Bearer", 401, journal.WrongScheme)),
			[]string{
				"did not recover: call 2 (GET /api/items) ended with status 401, while the server saw no token/login request and 2 API calls refused (seq 3-4); a client that recovers (switch-scheme) ends 2xx (client's error: \"unauthorized\")",
				"ignored the challenge 1 time(s): first after a wrong_scheme challenge at seq 3, resent GET /api/items with Bearer again (seq 4); read WWW-Authenticate and switch scheme",
			}),
		Entry("switch-scheme: refreshes before switching", "wrong-scheme",
			withToken("client_credentials", ok(1),
				api("/api/items", "Bearer", 401, journal.WrongScheme), tokenReq("refresh_token", 200, ""), api("/api/items", "ApiKey", 200, "")),
			[]string{"refreshed the token (seq 4) when the server asked for another scheme; a new token of the wrong kind does not help"}),

		// step-up
		Entry("step-up: a new grant with the scope named", "scope-mismatch",
			withToken("password", ok(1),
				api("/api/items", "Bearer", 403, journal.InsufficientScope), tokenReq("password", 200, "").scope("read write"), api("/api/items", "Bearer", 200, "")),
			nil),
		Entry("step-up: gives up on insufficient_scope", "scope-mismatch",
			withToken("password", failed(403, "forbidden"), api("/api/items", "Bearer", 403, journal.InsufficientScope)),
			[]string{
				"did not recover: call 2 (GET /api/items) ended with status 403, while the server saw no token/login request and 1 API call refused (seq 3); a client that recovers (step-up) ends 2xx (client's error: \"forbidden\")",
				"did not ask for a token with more scope after insufficient_scope at seq 3",
			}),
		Entry("step-up: refreshes, which cannot widen scope", "scope-mismatch",
			withToken("password", failed(403, "insufficient_scope"),
				api("/api/items", "Bearer", 403, journal.InsufficientScope), tokenReq("refresh_token", 200, ""), api("/api/items", "Bearer", 403, journal.InsufficientScope)),
			[]string{
				"did not recover: call 2 (GET /api/items) ended with status 403, while the server saw 1 token/login request succeed (seq 4) and 2 API calls refused (seq 3-5); a client that recovers (step-up) ends 2xx (client's error: \"insufficient_scope\")",
				"refreshed (seq 4) after insufficient_scope at seq 3: a refresh cannot widen scope, ask for a new grant with the scope named",
			}),
		Entry("step-up: a new grant for the same scope is not a step-up", "scope-mismatch",
			withToken("password", failed(403, "insufficient_scope"),
				api("/api/items", "Bearer", 403, journal.InsufficientScope), tokenReq("password", 200, "").scope("read"), api("/api/items", "Bearer", 403, journal.InsufficientScope)),
			[]string{
				"did not recover: call 2 (GET /api/items) ended with status 403, while the server saw 1 token/login request succeed (seq 4) and 2 API calls refused (seq 3-5); a client that recovers (step-up) ends 2xx (client's error: \"insufficient_scope\")",
				"asked for a new token (seq 4) after insufficient_scope at seq 3, but got no more scope than before (\"read\"); ask for the scope the challenge names",
			}),
		Entry("step-up: the first grant of a call is not a step-up for a refusal after it", "scope-mismatch",
			journalOf(call("/api/items", failed(403, "insufficient_scope"),
				tokenReq("password", 200, "").scope("read"), api("/api/items", "Bearer", 403, journal.InsufficientScope))),
			[]string{
				"did not recover: call 1 (GET /api/items) ended with status 403, while the server saw 1 token/login request succeed (seq 1) and 1 API call refused (seq 2); a client that recovers (step-up) ends 2xx (client's error: \"insufficient_scope\")",
				"did not ask for a token with more scope after insufficient_scope at seq 2",
			}),
		Entry("step-up: calls in flight share one step-up", "scope-mismatch",
			withToken("password", ok(2),
				api("/api/items", "Bearer", 403, journal.InsufficientScope), api("/api/items", "Bearer", 403, journal.InsufficientScope),
				tokenReq("password", 200, "").scope("read write"),
				api("/api/items", "Bearer", 200, ""), api("/api/items", "Bearer", 200, "")),
			nil),

		// no-leak
		Entry("no-leak: keeps the token on its origin, follows the same-origin redirect with it", "redirect-strips-auth",
			redirects(api("/api/me", "Bearer", 200, ""), ok(1), "none", "none"),
			nil),
		Entry("no-leak: the Bearer token follows a redirect to another host", "redirect-strips-auth",
			redirects(api("/api/me", "Bearer", 200, ""), ok(1), "Bearer", "none"),
			[]string{"sent the Bearer credential to http://localhost:46713/mirror/items after a redirect (seq 5); credentials belong to the origin that issued them"}),
		Entry("no-leak: the token follows a redirect to another port", "redirect-strips-auth",
			redirects(api("/api/me", "Bearer", 200, ""), ok(1), "none", "Bearer"),
			[]string{"sent the Bearer credential to http://127.0.0.1:46713/mirror/export after a redirect (seq 7); credentials belong to the origin that issued them"}),
		Entry("no-leak: refusing to follow redirects off the origin leaks nothing and is fine", "redirect-strips-auth",
			journalOf(
				call("/api/me", ok(1), tokenReq("client_credentials", 200, ""),
					api("/api/me", "Bearer", 0, "").redirectTo("/api/me?moved=1"), api("/api/me", "Bearer", 200, "")),
				call("/api/items", failed(307, "refused to follow a redirect to another origin"),
					api("/api/items", "Bearer", 0, "").redirectTo("http://"+crossHost+"/mirror/items")),
				call("/api/export", failed(307, "refused to follow a redirect to another origin"),
					api("/api/export", "Bearer", 0, "").redirectTo("http://"+otherPort+"/mirror/export")),
			),
			nil),
		Entry("no-leak: drops the token on a same-origin redirect", "redirect-strips-auth",
			redirects(api("/api/me", "none", 401, journal.MissingCredentials), failed(401, "unauthorized"), "none", "none"),
			[]string{
				"did not recover: call 1 (GET /api/me) ended with status 401, while the server saw 1 token/login request succeed (seq 1) and 1 API call refused (seq 3); it should have succeeded (client's error: \"unauthorized\")",
				"dropped the credential on a same-origin redirect to /api/me?moved=1 (seq 3); the same origin may keep it",
			}),
	)
})

// Defects 1 and 2 of issue 8, reproduced: natural SDK messages from
// clients whose behaviour is right. Behaviour decides; whether the
// client's report names the cause is an advisory, read from its error
// and from the body it handed its caller.
var _ = Describe("Advise", func() {
	natural := "Request failed with status code 401"
	DescribeTable("judges diagnostics apart from behaviour",
		func(id string, steps []suites.StepRecord, want []string) {
			sc, found := scenarios.Lookup(id)
			Expect(found).To(BeTrue(), "no scenario %s in the catalog", id)
			Expect(suites.Judge(sc, steps)).To(BeEmpty(), "behaviour is right, so no finding")
			got := suites.Advise(sc, steps)
			if len(want) == 0 {
				Expect(got).To(BeEmpty())
				return
			}
			Expect(got).To(Equal(want))
		},
		Entry("a natural message with the API's body handed back names the cause", "revoked-key",
			revokedKey([]adapter.Result{{Status: 401, Error: natural, Body: `{"reason":"api_key_revoked","error":"invalid_key"}`}},
				api("/api/items", "ApiKey", 401, journal.APIKeyRevoked)),
			nil),
		Entry("a natural message with no body does not", "revoked-key",
			revokedKey(failed(401, natural), api("/api/items", "ApiKey", 401, journal.APIKeyRevoked)),
			[]string{`the cause is not named: call 2 (GET /api/items) reported none of "revoked", "api_key_revoked", "invalid_key", neither in its error nor in the body it returned (status 401, error "Request failed with status code 401", body empty)`}),
		Entry("a 401 handed back without an error", "revoked-key",
			revokedKey([]adapter.Result{{Status: 401, Body: `{"reason":"api_key_revoked"}`}}, api("/api/items", "ApiKey", 401, journal.APIKeyRevoked)),
			[]string{"reported no error: call 2 (GET /api/items) handed status 401 back as an answer; say that the client gave up, and why"}),
		Entry("a refresh answered 400 invalid_grant, reported as such", "password-changed",
			withToken("password", failed(400, "400 Client Error: Bad Request for url: http://127.0.0.1:8401/oauth/token: invalid_grant"),
				api("/api/items", "Bearer", 401, journal.TokenRevoked), tokenReq("refresh_token", 400, journal.RefreshTokenRevoked)),
			nil),
		Entry("an unrelated 'revoked' no longer names password-changed", "password-changed",
			withToken("password", []adapter.Result{{Status: 401, Error: natural, Body: `{"error":"invalid_token","error_description":"the access token was revoked"}`}},
				api("/api/items", "Bearer", 401, journal.TokenRevoked), tokenReq("refresh_token", 400, journal.RefreshTokenRevoked)),
			[]string{`the cause is not named: call 2 (GET /api/items) reported none of "invalid_grant", "wrong_password", "password", "refresh_token_revoked", neither in its error nor in the body it returned (status 401, error "Request failed with status code 401", body "{\"error\":\"invalid_token\",\"error_description\":\"the access token was revoked\"}")`}),
		Entry("an authorization URL's redirect_uri query is the request, not the cause", "redirect-uri-mismatch",
			journalOf(call("/oauth/authorize", failed(400, "GET http://127.0.0.1:8401/oauth/authorize?redirect_uri=http%3A%2F%2Fx%2F: 400"),
				entry{Host: appHost, Method: "GET", Path: "/oauth/authorize", Scheme: "none", Status: 400, Reason: journal.RedirectURIMismatch, Origin: journal.App})),
			[]string{`the cause is not named: call 1 (GET /oauth/authorize) reported none of "redirect_uri_mismatch", "redirect_uri", "redirect uri", "not registered", neither in its error nor in the body it returned (status 400, error "GET http://127.0.0.1:8401/oauth/authorize?redirect_uri=http%3A%2F%2Fx%2F: 400", body empty)`}),
		Entry("403 Forbidden names a 403 by its word, not its number", "forbidden-not-unauthorized",
			withToken("password", failed(403, "403 Client Error: Forbidden for url: http://127.0.0.1:8401/api/items"), api("/api/items", "Bearer", 403, journal.InsufficientRole)),
			nil),
		Entry("Apache's stock page handed back names the shadowing web server", "basic-auth-shadow",
			journalOf(call("/api/items", []adapter.Result{{Status: 401, Error: natural, Body: "<html><address>Apache/2.4.62 (Debian) Server</address></html>"}},
				tokenReq("client_credentials", 200, ""), api("/api/items", "Bearer", 401, journal.HtaccessBasicAuth).edge(journal.Apache, ""))),
			nil),
	)
})

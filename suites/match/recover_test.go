package match_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/match"
)

// burst is n calls in flight on /api/items with one credential.
func burst(n, status int, reason journal.Reason, cred string) []fakeserver.Entry {
	var es []fakeserver.Entry
	for range n {
		e := api("/api/items", "Bearer", status, reason)
		e.Credential = cred
		es = append(es, e)
	}
	return es
}

// concurrentExpiry: a first call, then eight calls in flight meet the
// expiry; refreshes refreshes, then the eight retries with the new token.
func concurrentExpiry(refreshes int) []fakeserver.Entry {
	es := []fakeserver.Entry{token("password", 200, "")}
	es = append(es, burst(1, 200, "", "sha256:old")...)
	es = append(es, burst(8, 401, journal.TokenExpired, "sha256:old")...)
	for range refreshes {
		es = append(es, token("refresh_token", 200, ""))
	}
	es = append(es, burst(8, 200, "", "sha256:new")...)
	return journalOf(es...)
}

// with gives e another credential fingerprint: after a refresh or a
// login the fake server sees a new one, and the judge reads a request
// that resends the refused credential as a blind retry.
func with(cred string, e fakeserver.Entry) fakeserver.Entry {
	e.Credential = cred
	return e
}

var (
	// refreshedNew: refreshed, with the new token's own fingerprint.
	refreshedNew = journalOf(
		token("password", 200, ""),
		api("/api/items", "Bearer", 200, ""),
		api("/api/items", "Bearer", 401, journal.TokenExpired),
		token("refresh_token", 200, ""),
		with("sha256:new", api("/api/items", "Bearer", 200, "")),
	)
	// blindRetry: the refused token resent after the refresh.
	blindRetry = journalOf(
		token("password", 200, ""),
		api("/api/items", "Bearer", 200, ""),
		api("/api/items", "Bearer", 401, journal.TokenExpired),
		token("refresh_token", 200, ""),
		api("/api/items", "Bearer", 401, journal.TokenExpired),
	)
	reloggedNew = journalOf(
		login(200, ""),
		api("/api/me", "Cookie", 200, ""),
		api("/api/me", "Cookie", 401, journal.SessionExpired),
		login(200, ""),
		with("sha256:session2", api("/api/me", "Cookie", 200, "")),
	)
)

var _ = Describe("RecoverAs", func() {
	DescribeTable("passes on traffic that shows the recovery",
		func(kind scenarios.Recovery, es []fakeserver.Entry) {
			Expect(es).To(match.RecoverAs(kind))
		},
		Entry("one refresh, one retry", scenarios.Refresh, refreshedNew),
		Entry("eight calls in flight share one refresh", scenarios.Refresh, concurrentExpiry(1)),
		// A 404 is the call's answer, not a refusal waiting for a retry:
		// it neither fails the window nor holds two expiries in one step.
		Entry("two expiries, a 404 between", scenarios.Refresh, journalOf(
			token("password", 200, ""),
			with("sha256:t1", api("/api/items", "Bearer", 200, "")),
			with("sha256:t1", api("/api/missing", "Bearer", 404, "")),
			with("sha256:t1", api("/api/items", "Bearer", 401, journal.TokenExpired)),
			token("refresh_token", 200, ""),
			with("sha256:t2", api("/api/items", "Bearer", 200, "")),
			with("sha256:t2", api("/api/items", "Bearer", 401, journal.TokenExpired)),
			token("refresh_token", 200, ""),
			with("sha256:t3", api("/api/items", "Bearer", 200, "")),
		)),
		Entry("a second login after the session expired", scenarios.Relogin, reloggedNew),
		Entry("redirects to another origin followed without the token", scenarios.NoLeak, careful),
		Entry("each refused call retried once at most", scenarios.FailFast, retriedOnce),
	)

	DescribeTable("fails with the judge's findings, citing seq",
		func(kind scenarios.Recovery, es []fakeserver.Entry, want string) {
			Expect(failureOf(func() { Expect(es).To(match.RecoverAs(kind)) })).To(
				And(HavePrefix("expected the journal to show "+string(kind)+" recovery, but: "), ContainSubstring(want)))
		},
		Entry("a stampede", scenarios.Refresh, stampede, "refreshed 4 times for one expiry (seq 1-5)"),
		Entry("eight calls in flight, two refreshes", scenarios.Refresh, concurrentExpiry(2), "refreshed 2 times for one expiry (seq 11-12) during call 2 (GET /api/items) with 8 calls in flight"),
		Entry("a refused refresh and no retry", scenarios.Refresh, refreshFailed, "did not recover"),
		Entry("a leak", scenarios.NoLeak, leaky, "sent the Bearer credential to http://localhost:46713/mirror/items after a redirect (seq 3)"),
		Entry("a loop", scenarios.FailFast, looping, "retried a call that cannot succeed: 6 refused API calls (seq 1-6)"),
		Entry("a refresh, then the refused token resent", scenarios.Refresh, blindRetry,
			"did not recover: call 2 (GET /api/items) ended with status 401"),
		Entry("a login loop", scenarios.Relogin, journalOf(
			login(200, ""), with("sha256:s1", api("/api/me", "Cookie", 200, "")),
			with("sha256:s1", api("/api/me", "Cookie", 401, journal.SessionExpired)),
			login(200, ""), login(200, ""), login(200, ""), login(200, ""),
			with("sha256:s2", api("/api/me", "Cookie", 200, "")),
		), "logged in 4 times during call 2 (GET /api/me) (seq 4-7)"),
	)

	It("is an error, not a pass nor a fail, when the window holds no trigger", func() {
		window := refreshed[:2] // a token and a call that worked
		for _, m := range []types.GomegaMatcher{match.RecoverAs(scenarios.Refresh)} {
			_, err := m.Match(window)
			Expect(err).To(MatchError(ContainSubstring("nothing to judge: the window (2 entries, seq 1-2) holds no 401 from the API for refresh")))
			Expect(InterceptGomegaFailure(func() { Expect(window).NotTo(m) })).To(HaveOccurred())
		}
	})

	It("judges only the entries after Since", func() {
		Expect(refreshedNew).To(match.RecoverAs(scenarios.Refresh, suites.TrafficOptions{Since: 2}))
		_, err := match.RecoverAs(scenarios.Refresh, suites.TrafficOptions{Since: 3}).Match(refreshedNew)
		Expect(err).To(MatchError(ContainSubstring("nothing to judge")))
	})

	It("refuses a kind it does not know, and anything but a journal", func() {
		_, err := match.RecoverAs(scenarios.Recovery("telepathy")).Match(refreshed)
		Expect(err).To(MatchError(ContainSubstring(`unknown recovery kind "telepathy"`)))
		_, err = match.RecoverAs(scenarios.Poll).Match(refreshed)
		Expect(err).To(MatchError(ContainSubstring("nothing to judge")), "no device authorization in a refresh journal")
		_, err = match.RecoverAs(scenarios.Refresh).Match("GET /api/items")
		Expect(err).To(MatchError("match: expected []fakeserver.Entry (the journal), got string"))
	})

	It("says what it found when negated", func() {
		Expect(failureOf(func() { Expect(refreshedNew).NotTo(match.RecoverAs(scenarios.Refresh)) })).To(
			Equal("expected the journal not to show refresh recovery, but it did: refresh; 3 API calls, 2 token/login requests; ended 200 (trigger at seq 3)"))
	})
})

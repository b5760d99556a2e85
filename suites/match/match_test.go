package match_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/match"
)

// Small journals, numbered from seq 1 as the fake server numbers them.

const host = "127.0.0.1:8401"

func token(grant string, status int, reason journal.Reason) fakeserver.Entry {
	return fakeserver.Entry{Host: host, Method: "POST", Path: "/oauth/token", Scheme: "Basic", Credential: "sha256:client",
		Grant: grant, Scope: "read", Status: status, Reason: reason, Origin: journal.App}
}

func login(status int, reason journal.Reason) fakeserver.Entry {
	return fakeserver.Entry{Host: host, Method: "POST", Path: "/login", Scheme: "none", Status: status, Reason: reason, Origin: journal.App}
}

func api(path, scheme string, status int, reason journal.Reason) fakeserver.Entry {
	return fakeserver.Entry{Host: host, Method: "GET", Path: path, Scheme: scheme, Credential: "sha256:" + scheme,
		Status: status, Reason: reason, Origin: journal.App}
}

func redirect(path, to string) fakeserver.Entry {
	e := api(path, "Bearer", 307, journal.Redirect)
	e.Location = to
	return e
}

func other(host, path, scheme string) fakeserver.Entry {
	return fakeserver.Entry{Method: "GET", Host: host, Path: path, Scheme: scheme, Status: 200, Origin: journal.OtherOrigin}
}

func journalOf(es ...fakeserver.Entry) []fakeserver.Entry {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range es {
		es[i].Seq = int64(i + 1)
		es[i].At = t0.Add(time.Duration(i) * time.Millisecond)
	}
	return es
}

var (
	// refreshed: a token, a call, an expiry, one refresh, the retry.
	refreshed = journalOf(
		token("password", 200, ""),
		api("/api/items", "Bearer", 200, ""),
		api("/api/items", "Bearer", 401, journal.TokenExpired),
		token("refresh_token", 200, ""),
		api("/api/items", "Bearer", 200, ""),
	)
	// stampede: three refreshes for one expiry.
	stampede = journalOf(
		token("password", 200, ""),
		api("/api/items", "Bearer", 401, journal.TokenExpired),
		token("refresh_token", 200, ""),
		token("refresh_token", 200, ""),
		token("refresh_token", 200, ""),
		api("/api/items", "Bearer", 200, ""),
	)
	// refreshFailed: the only refresh is refused.
	refreshFailed = journalOf(
		token("password", 200, ""),
		api("/api/items", "Bearer", 401, journal.TokenExpired),
		token("refresh_token", 400, journal.RefreshTokenExpired),
	)
	// relogged: a session that expires and a second login.
	relogged = journalOf(
		login(200, ""),
		api("/api/me", "Cookie", 200, ""),
		api("/api/me", "Cookie", 401, journal.SessionExpired),
		login(200, ""),
		api("/api/me", "Cookie", 200, ""),
	)
	// careful: redirects to other origins followed without the token.
	careful = journalOf(
		token("client_credentials", 200, ""),
		redirect("/api/items", "http://localhost:46713/mirror/items"),
		other("localhost:46713", "/mirror/items", "none"),
		redirect("/api/export", "http://127.0.0.1:46713/mirror/export"),
		other("127.0.0.1:46713", "/mirror/export", "none"),
	)
	// leaky: the same redirects, with the token along.
	leaky = journalOf(
		token("client_credentials", 200, ""),
		redirect("/api/items", "http://localhost:46713/mirror/items"),
		other("localhost:46713", "/mirror/items", "Bearer"),
		redirect("/api/export", "http://127.0.0.1:46713/mirror/export"),
		other("127.0.0.1:46713", "/mirror/export", "Bearer"),
	)
	// looping: /api/me refused three times, then /api/items three times.
	looping = journalOf(
		api("/api/me", "ApiKey", 401, journal.APIKeyRevoked),
		api("/api/me", "ApiKey", 401, journal.APIKeyRevoked),
		api("/api/me", "ApiKey", 401, journal.APIKeyRevoked),
		api("/api/items", "ApiKey", 401, journal.APIKeyRevoked),
		api("/api/items", "ApiKey", 401, journal.APIKeyRevoked),
		api("/api/items", "ApiKey", 401, journal.APIKeyRevoked),
	)
	// retriedOnce: each refused call retried once.
	retriedOnce = journalOf(
		api("/api/me", "ApiKey", 401, journal.APIKeyRevoked),
		api("/api/me", "ApiKey", 401, journal.APIKeyRevoked),
		api("/api/items", "ApiKey", 401, journal.APIKeyRevoked),
		api("/api/items", "ApiKey", 401, journal.APIKeyRevoked),
	)
)

// failureOf runs the matcher through gomega, as an SDK's spec would, and
// returns the message the spec fails with.
func failureOf(assert func()) string {
	GinkgoHelper()
	err := InterceptGomegaFailure(assert)
	Expect(err).To(HaveOccurred(), "the assertion should have failed")
	return err.Error()
}

var _ = Describe("journal matchers", func() {
	DescribeTable("pass on a journal that shows the behaviour",
		func(m types.GomegaMatcher, es []fakeserver.Entry) {
			Expect(es).To(m)
		},
		Entry("HaveTokenRequests counts token endpoint calls", match.HaveTokenRequests(2), refreshed),
		Entry("HaveTokenRequests(0) on an empty journal", match.HaveTokenRequests(0), []fakeserver.Entry(nil)),
		Entry("HaveRefreshedOnce", match.HaveRefreshedOnce(), refreshed),
		Entry("HaveLogins counts a password grant, not a refresh", match.HaveLogins(1), refreshed),
		Entry("HaveLogins counts session logins", match.HaveLogins(2), relogged),
		Entry("HaveLogins counts a client_credentials grant", match.HaveLogins(1), careful),
		Entry("LeakNoCredential when redirects drop the token", match.LeakNoCredential(), careful),
		Entry("LeakNoCredential on a journal without redirects", match.LeakNoCredential(), refreshed),
		Entry("HaveReason", match.HaveReason(journal.TokenExpired), refreshed),
		Entry("RetryAtMost(1) with one retry per refused call", match.RetryAtMost(1), retriedOnce),
		Entry("RetryAtMost(2) with two retries", match.RetryAtMost(2), looping),
	)

	DescribeTable("fail with a sentence that points at the journal",
		func(m types.GomegaMatcher, es []fakeserver.Entry, want string) {
			pass, err := m.Match(es)
			Expect(err).NotTo(HaveOccurred())
			Expect(pass).To(BeFalse())
			Expect(m.FailureMessage(es)).To(Equal(want))
			Expect(failureOf(func() { Expect(es).To(m) })).To(Equal(want))
		},
		Entry("HaveTokenRequests, too many", match.HaveTokenRequests(1), stampede,
			"expected 1 token request(s), saw 4 at seq 1-5"),
		Entry("HaveTokenRequests, none", match.HaveTokenRequests(1), relogged,
			"expected 1 token request(s), saw none"),
		Entry("HaveRefreshedOnce, a stampede", match.HaveRefreshedOnce(), stampede,
			"expected exactly 1 successful refresh, saw 3 at seq 3-5"),
		Entry("HaveRefreshedOnce, a refused refresh does not count", match.HaveRefreshedOnce(), refreshFailed,
			"expected exactly 1 successful refresh, saw none"),
		Entry("HaveLogins, a second login", match.HaveLogins(1), relogged,
			"expected 1 login(s), saw 2 at seq 1-4"),
		Entry("LeakNoCredential, both redirects", match.LeakNoCredential(), leaky,
			"expected that no credential reached another origin, but sent Bearer to http://localhost:46713/mirror/items at seq 3, Bearer to http://127.0.0.1:46713/mirror/export at seq 5"),
		Entry("HaveReason, absent", match.HaveReason(journal.RefreshTokenReused), refreshed,
			"expected an entry with reason refresh_token_reused, saw none"),
		Entry("RetryAtMost, a loop", match.RetryAtMost(1), journalOf(
			api("/api/me", "ApiKey", 200, ""),
			api("/api/items", "ApiKey", 401, journal.APIKeyRevoked),
			api("/api/items", "ApiKey", 401, journal.APIKeyRevoked),
			api("/api/items", "ApiKey", 401, journal.APIKeyRevoked),
		), "expected at most 1 retries per refused call, but GET /api/items was refused 3 times at seq 2-4"),
	)

	DescribeTable("negated, fail with what was seen",
		func(m types.GomegaMatcher, es []fakeserver.Entry, want string) {
			Expect(failureOf(func() { Expect(es).NotTo(m) })).To(Equal(want))
		},
		Entry("HaveTokenRequests", match.HaveTokenRequests(2), refreshed, "expected not 2 token request(s), saw 2 at seq 1-4"),
		Entry("HaveRefreshedOnce", match.HaveRefreshedOnce(), refreshed, "expected not exactly 1 successful refresh, saw 1 at seq 4"),
		Entry("HaveLogins", match.HaveLogins(2), relogged, "expected not 2 login(s), saw 2 at seq 1-4"),
		Entry("HaveReason", match.HaveReason(journal.SessionExpired), relogged, "expected not an entry with reason session_expired, saw 1 at seq 3"),
		Entry("RetryAtMost", match.RetryAtMost(1), retriedOnce, "expected not at most 1 retries per refused call, and it was"),
	)

	It("names the call refused first when several loop, the same way every time", func() {
		m := match.RetryAtMost(1)
		for range 50 {
			pass, err := m.Match(looping)
			Expect(err).NotTo(HaveOccurred())
			Expect(pass).To(BeFalse())
			Expect(m.FailureMessage(looping)).To(Equal(
				"expected at most 1 retries per refused call, but GET /api/me was refused 3 times at seq 1-3"))
		}
	})

	DescribeTable("refuse anything but a journal",
		func(m types.GomegaMatcher) {
			for _, actual := range []any{"GET /api/items", &refreshed, refreshed[0], nil} {
				pass, err := m.Match(actual)
				Expect(pass).To(BeFalse())
				Expect(err).To(MatchError(HavePrefix("match: expected []fakeserver.Entry (the journal), got ")))
			}
			_, err := m.Match(42)
			Expect(err).To(MatchError("match: expected []fakeserver.Entry (the journal), got int"))
			Expect(failureOf(func() { Expect(map[string]int{"token": 1}).To(m) })).
				To(ContainSubstring("match: expected []fakeserver.Entry (the journal), got map[string]int"))
		},
		Entry("HaveTokenRequests", match.HaveTokenRequests(1)),
		Entry("HaveRefreshedOnce", match.HaveRefreshedOnce()),
		Entry("HaveLogins", match.HaveLogins(1)),
		Entry("LeakNoCredential", match.LeakNoCredential()),
		Entry("HaveReason", match.HaveReason(journal.TokenExpired)),
		Entry("RetryAtMost", match.RetryAtMost(1)),
	)
})

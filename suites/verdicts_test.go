package suites_test

import (
	"context"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/clients/naive"
	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

// failedScenarios runs the whole catalog and returns the ids that failed,
// sorted, and every result by id.
func failedScenarios(ctx context.Context, name string, f adapter.Factory) ([]string, map[string]suites.Result) {
	GinkgoHelper()
	rep, err := suites.Run(ctx, suites.Options{Client: name, Factory: f, Variants: true})
	Expect(err).NotTo(HaveOccurred())
	all, err := suites.WithVariants(scenarios.All())
	Expect(err).NotTo(HaveOccurred())
	Expect(rep.Results).To(HaveLen(len(all)))
	var failed []string
	byID := map[string]suites.Result{}
	for _, r := range rep.Results {
		byID[r.Scenario] = r
		if r.Verdict == suites.Fail {
			failed = append(failed, r.Scenario)
		}
	}
	slices.Sort(failed)
	return failed, byID
}

// The suites are only worth their verdicts. Each entry injects one
// typical client bug into the reference client and asserts the suites
// fail exactly the scenarios that bug breaks, and pass the rest.
var _ = Describe("verdicts on injected client bugs", func() {
	DescribeTable("fail exactly the scenarios the bug breaks",
		// mayAlso lists scenarios the bug breaks only when timing lets
		// it show (a 401 that happens to land after a refresh finished).
		func(ctx SpecContext, bug string, want []string, finding string, mayAlso ...string) {
			bugs, err := resilient.ParseBug(bug)
			Expect(err).NotTo(HaveOccurred())
			failed, byID := failedScenarios(ctx, bug, resilient.Factory(resilient.WithBugs(bugs)))
			failed = slices.DeleteFunc(failed, func(id string) bool { return slices.Contains(mayAlso, id) })
			slices.Sort(want)
			Expect(failed).To(Equal(want), "scenarios failed with bug %s", bug)
			Expect(byID[want[0]].Detail).To(ContainSubstring(finding), "the finding should say what the client did wrong")
		},
		Entry("no retry after refresh: every refresh/relogin scenario ends with the 401, in every variant", "no-retry-after-refresh",
			[]string{"audience-mismatch", "bad-signature", "bad-signature:after=3", "clock-skew", "concurrent-expiry",
				"expired-session", "expired-session:lifetime=8h", "expired-token", "expired-token:lifetime=1h",
				"mfa-required", "mfa-required:lifetime=60s,session_lifetime=1h", "missing-credentials",
				"missing-www-authenticate", "missing-www-authenticate:lifetime=30m",
				"refresh-token-expired", "refresh-token-expired:lifetime=24h", "refresh-token-rotation",
				"revoked-token", "revoked-token:after=3", "session-network-change", "session-network-change:after=3",
				"stale-cached-credentials"},
			"a client that recovers"),
		// vpn-blocked answers invalid_token-style 401s that a new token
		// cannot fix; so do the variants where a fresh token is refused
		// too (the API's clock behind) or the session cookie never comes
		// back (SameSite=Strict): a loop shows there and nowhere else.
		Entry("refresh loop", "refresh-loop",
			[]string{"clock-skew:direction=behind", "cookie-secure-over-http:attr=samesite-strict", "vpn-blocked"}, "loop"),
		Entry("refresh on 403", "refresh-on-403", []string{"forbidden-not-unauthorized"}, "403"),
		Entry("credentials sent across origins on redirect", "leak-on-redirect", []string{"redirect-strips-auth"}, "after a redirect"),
		Entry("ignoring Retry-After", "ignore-retry-after",
			[]string{"captive-portal", "captive-portal:mode=redirect", "firewall-block", "rate-limited", "rate-limited:body=plain",
				"stale-dns", "stale-dns:every=2", "waf-block", "waf-block:duration=6s"}, ""),
		Entry("reusing a rotated refresh token", "reuse-rotated-refresh", []string{"refresh-token-rotation"}, "refresh_token_reused"),
		Entry("concurrent refresh stampede", "no-single-flight", []string{"concurrent-expiry", "refresh-token-rotation"}, "calls in flight"),
		Entry("a refresh shared only while it runs: the late wave refreshes again", "no-replaced-check",
			// refresh-token-rotation holds a late wave of its own, so the
			// bug fails it every run.
			[]string{"concurrent-expiry", "refresh-token-rotation"}, "with 8 calls in flight"),
		Entry("retrying a wrong password into lock-out", "retry-wrong-password",
			// The truncated-jwt variant holds no password: a client that
			// retries the refused grant guesses there too.
			[]string{"client-mismatch", "client-mismatch:kind=wrong-secret", "device-limit",
				"malformed-credentials:kind=truncated-jwt", "password-changed", "password-changed:after=3",
				"wrong-password", "wrong-password:threshold=1", "wrong-password:via=password-grant"}, "authenticate"),
		Entry("giving up on a server nonce (DPoP use_dpop_nonce, Digest stale=true)", "no-nonce-retry",
			[]string{"digest-stale-nonce", "dpop-nonce", "dpop-nonce:rotate=30s"}, "did not recover"),
		Entry("a discovered token for no resource in particular (no RFC 8707 resource=)", "no-resource-indicator",
			[]string{"resource-metadata-discovery"}, "audience_mismatch"),
		Entry("polling on at the old interval after slow_down", "ignore-slow-down",
			[]string{"device-flow", "device-flow:outcome=denied"}, "polled faster than the interval"),
	)

	It("names every bug the reference client can inject", func() {
		Expect(resilient.BugNames()).To(HaveLen(12))
	})
})

var _ = Describe("verdicts on the naive client", func() {
	It("fails everywhere a client without refresh, back-off or redirect safety fails", func(ctx SpecContext) {
		failed, byID := failedScenarios(ctx, "naive", naive.Factory())
		var passed, skipped []string
		for _, sc := range scenarios.All() {
			switch byID[sc.ID].Verdict {
			case suites.Pass:
				passed = append(passed, sc.ID)
			case suites.Skip:
				skipped = append(skipped, sc.ID)
			}
		}
		// It predates DPoP, discovery, the device flow and Digest: the
		// judge sees it never speaks them, and skips.
		Expect(skipped).To(ConsistOf("dpop-nonce", "resource-metadata-discovery", "device-flow", "device-code-expired", "digest-stale-nonce"))
		Expect(failed).To(ContainElements("step-up-authentication", "audience-mismatch"))
		// It asks for every scope up front and never retries a 403, so
		// it gets those two right; where a login or grant is refused it
		// tries once and gives up, which is right too, but "HTTP 401"
		// names no cause: those pass with an advisory.
		Expect(passed).To(ConsistOf("forbidden-not-unauthorized", "scope-mismatch",
			"wrong-password", "client-mismatch", "redirect-uri-mismatch", "device-limit"))
		// Its refused logins and grants leave it no body to hand back.
		for _, id := range []string{"wrong-password", "client-mismatch", "device-limit"} {
			Expect(byID[id].Advisories).To(ConsistOf(HavePrefix("the cause is not named: ")), "%s: its error says only the status", id)
		}
		for _, id := range []string{"forbidden-not-unauthorized", "redirect-uri-mismatch"} {
			Expect(byID[id].Advisories).To(BeEmpty(), "%s: it hands back the body, which names the cause", id)
		}
		Expect(byID["expired-token"].Detail).To(ContainSubstring("never asked for a new token"))
		Expect(byID["redirect-strips-auth"].Detail).To(ContainSubstring("sent the Bearer credential to http://localhost:"))
		Expect(byID["waf-block"].Detail).To(ContainSubstring("ignored Retry-After"))
		Expect(byID["concurrent-expiry"].Detail).To(ContainSubstring("retry loop"))
	})
})

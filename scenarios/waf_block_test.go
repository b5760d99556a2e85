package scenarios_test

import (
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("waf-block", func() {
	It("for `duration` from the first API call answers 401 with an HTML block page and Retry-After, then lets the same token through", func() {
		h := scenario("waf-block")
		token := h.clientToken("read") // the token endpoint is not behind the rule

		resp := h.bearer("/api/items", token).Status(http.StatusUnauthorized)
		resp.HasContentType("text/html")
		resp.Header("WWW-Authenticate").IsEmpty()
		resp.Header("Retry-After").IsEqual("1")
		resp.Header("Server").IsEqual("edge-proxy")
		resp.Header("X-Edge-Location").NotEmpty()
		resp.Body().Contains("Request blocked").NotContains(token)
		Expect(h.last()).To(And(journalEntry("/api/items", 401, journal.WAFBlock),
			HaveField("Origin", journal.WAF), HaveField("RetryAfter", "1"), HaveField("Scheme", "Bearer")))

		// The credential is not the problem: a new one is blocked the same way.
		h.bearer("/api/me", h.clientToken("read")).Status(http.StatusUnauthorized).Header("Server").IsEqual("edge-proxy")

		h.Advance(time.Second)
		h.bearer("/api/items", token).Status(http.StatusOK).JSON().Object().ContainsKey("items")
		Expect(h.last()).To(And(journalEntry("/api/items", 200, ""), HaveField("Origin", journal.App)))
	})

	It("starts the block at the first API call, not at activation, and counts Retry-After down", func() {
		h := start(map[string]string{"duration": "10s"}, "waf-block")
		h.Advance(time.Hour)
		token := h.clientToken("read")
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("Retry-After").IsEqual("10")
		h.Advance(2500 * time.Millisecond)
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("Retry-After").IsEqual("8")
		h.Advance(7500 * time.Millisecond)
		h.bearer("/api/me", token).Status(http.StatusOK)
	})

	It("never blocks with duration=0s", func() {
		h := start(map[string]string{"duration": "0s"}, "waf-block")
		h.bearer("/api/me", h.clientToken("read")).Status(http.StatusOK)
	})
})

package scenarios_test

import (
	"net/http"
	"strconv"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("rate-limited", func() {
	It("lets `rate` calls through per window, then answers 401 with Retry-After and rate-limit headers but no challenge", func() {
		h := scenario("rate-limited")
		token := h.clientToken("read")
		for i := range 3 {
			h.bearer("/api/items", token).Status(http.StatusOK).
				Header("X-RateLimit-Remaining").IsEqual(strconv.Itoa(2 - i))
		}
		resp := h.bearer("/api/items", token).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").IsEmpty()
		resp.Header("Retry-After").IsEqual("1")
		resp.Header("X-RateLimit-Limit").IsEqual("3")
		resp.Header("X-RateLimit-Remaining").IsEqual("0")
		obj := resp.JSON().Object()
		obj.HasValue("message", "API rate limit exceeded").HasValue("reason", "rate_limited")
		obj.Value("hint").String().Contains("Retry-After")
		Expect(h.last()).To(And(journalEntry("/api/items", 401, journal.RateLimited),
			HaveField("Origin", journal.RateLimiter), HaveField("RetryAfter", "1"), HaveField("Scheme", "Bearer")))

		// A new token does not help; the token endpoint itself is not limited.
		h.bearer("/api/me", h.clientToken("read")).Status(http.StatusUnauthorized)

		h.Advance(time.Second) // a new window
		h.bearer("/api/items", token).Status(http.StatusOK)
	})

	It("counts Retry-After down to the end of the window", func() {
		h := start(map[string]string{"window": "10s"}, "rate-limited")
		token := h.clientToken("read")
		for range 3 {
			h.bearer("/api/me", token).Status(http.StatusOK)
		}
		h.Advance(3 * time.Second)
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("Retry-After").IsEqual("7")
		h.Advance(2500 * time.Millisecond) // 4.5s left: never round down below what is left
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("Retry-After").IsEqual("5")
		h.Advance(4 * time.Second)
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("Retry-After").IsEqual("1")
		h.Advance(500 * time.Millisecond)
		h.bearer("/api/me", token).Status(http.StatusOK)
	})

	It("honours rate", func() {
		h := start(map[string]string{"rate": "1"}, "rate-limited")
		token := h.clientToken("read")
		h.bearer("/api/me", token).Status(http.StatusOK)
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("X-RateLimit-Limit").IsEqual("1")
	})

	It("words the refusal in plain text with body=plain", func() {
		h := start(map[string]string{"rate": "0", "body": "plain"}, "rate-limited")
		resp := h.bearer("/api/me", h.clientToken("read")).Status(http.StatusUnauthorized)
		resp.HasContentType("text/plain")
		resp.Body().Contains("rate limit of 0 requests per 1s exceeded")
		Expect(h.last()).To(journalEntry("/api/me", 401, journal.RateLimited))
	})

	It("rejects a body it does not know", func() {
		h := scenario("rate-limited")
		Expect(h.Activate([]string{"rate-limited"}, map[string]string{"body": "xml"})).
			To(MatchError(ContainSubstring("valid: json, plain")))
	})
})

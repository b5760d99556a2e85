package scenarios_test

import (
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("stale-dns", func() {
	It("sends calls within the TTL to an old backend that refuses the token under another realm and issuer, fresh tokens too", func() {
		h := scenario("stale-dns")
		token := h.clientToken("read")

		resp := h.bearer("/api/items", token).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix(`Bearer realm="authchaos-legacy", error="invalid_token", error_description="token issuer ` + h.URL() + ` is not trusted by this backend`)
		resp.Header("X-Backend").IsEqual("api-old-1")
		resp.Header("Retry-After").IsEqual("1")
		obj := resp.JSON().Object()
		obj.HasValue("reason", "stale_backend").HasValue("error", "invalid_token")
		obj.Value("hint").String().Contains("keep it")
		resp.Body().NotContains(token)
		Expect(h.last()).To(And(journalEntry("/api/items", 401, journal.StaleBackend),
			HaveField("Origin", journal.OldBackend), HaveField("RetryAfter", "1"), HaveField("Scheme", "Bearer")))

		// A refresh does not help there: a brand-new token is refused the same way.
		h.bearer("/api/me", h.clientToken("read")).Status(http.StatusUnauthorized).Header("X-Backend").IsEqual("api-old-1")

		// Waiting out the TTL does: the same token works on the new backend.
		h.Advance(time.Second)
		ok := h.bearer("/api/items", token).Status(http.StatusOK)
		ok.Header("X-Backend").IsEmpty()
		Expect(h.last()).To(And(journalEntry("/api/items", 200, ""), HaveField("Origin", journal.App)))
	})

	It("with every=2 sends every other call to the old backend", func() {
		h := start(map[string]string{"ttl": "1m", "every": "2"}, "stale-dns")
		token := h.clientToken("read")
		for _, want := range []int{401, 200, 401, 200} {
			h.bearer("/api/me", token).Status(want)
		}
	})

	It("counts the TTL from the first API call and Retry-After down to its end", func() {
		h := start(map[string]string{"ttl": "10s"}, "stale-dns")
		h.Advance(time.Hour)
		token := h.clientToken("read")
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("Retry-After").IsEqual("10")
		h.Advance(4500 * time.Millisecond) // 5.5s left
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("Retry-After").IsEqual("6")
		h.Advance(5500 * time.Millisecond)
		h.bearer("/api/me", token).Status(http.StatusOK)
	})

	It("refuses other credentials on the old backend without naming them", func() {
		h := scenario("stale-dns")
		resp := h.withKey("/api/me", apiKey).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").Contains(`realm="authchaos-legacy"`).Contains("not known to this backend")
		resp.Body().NotContains(apiKey)
	})

	It("rejects every=0", func() {
		h := scenario("stale-dns")
		Expect(h.Activate([]string{"stale-dns"}, map[string]string{"every": "0"})).
			To(MatchError(ContainSubstring("parameter every: 0 is out of range (1 to 1000)")))
	})
})

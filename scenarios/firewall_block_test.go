package scenarios_test

import (
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("firewall-block", func() {
	It("answers every call to the route with a plain-text 401 and no challenge, whatever is sent, for good", func() {
		h := scenario("firewall-block")
		token := h.clientToken("read")
		h.bearer("/api/me", token).Status(http.StatusOK) // other routes pass

		resp := h.bearer("/api/items", token).Status(http.StatusUnauthorized)
		resp.HasContentType("text/plain")
		resp.Header("WWW-Authenticate").IsEmpty()
		resp.Header("Retry-After").IsEmpty()
		resp.Header("X-Blocked-By").IsEqual("perimeter-firewall")
		resp.Body().Contains("Access denied by network policy").NotContains(token)
		Expect(h.last()).To(And(journalEntry("/api/items", 401, journal.FirewallBlock),
			HaveField("Origin", journal.Firewall), HaveField("RetryAfter", "")))

		h.bearer("/api/items", h.clientToken("read")).Status(http.StatusUnauthorized)
		h.withKey("/api/items", apiKey).Status(http.StatusUnauthorized)
		h.e.GET("/api/items").Expect().Status(http.StatusUnauthorized).Body().Contains("network policy")

		h.Advance(24 * time.Hour)
		h.bearer("/api/items", h.clientToken("read")).Status(http.StatusUnauthorized)
	})

	It("blocks the route path names", func() {
		h := start(map[string]string{"path": "/api/me"}, "firewall-block")
		token := h.clientToken("read")
		h.bearer("/api/items", token).Status(http.StatusOK)
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("X-Blocked-By").IsEqual("perimeter-firewall")
	})
})

package scenarios_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("revoked-key", func() {
	It("accepts the API key for one call, then answers every call with 401 api_key_revoked", func() {
		h := scenario("revoked-key")
		h.withKey("/api/me", apiKey).Status(http.StatusOK)

		resp := h.withKey("/api/items", apiKey).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").IsEqual(`ApiKey realm="authchaos", error="invalid_key", error_description="the API key was revoked"`)
		obj := resp.JSON().Object()
		obj.HasValue("reason", "api_key_revoked")
		obj.Value("hint").String().Contains("never comes back")
		resp.Body().NotContains(apiKey)
		Expect(h.last()).To(And(journalEntry("/api/items", 401, journal.APIKeyRevoked),
			HaveField("Scheme", "ApiKey"), HaveField("Credential", h.Fingerprint(apiKey))))

		// For good: it does not come back, whatever the route.
		h.withKey("/api/me", apiKey).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "api_key_revoked")
	})

	It("revokes after the number of successful calls the after parameter names", func() {
		h := start(map[string]string{"after": "3"}, "revoked-key")
		for range 3 {
			h.withKey("/api/me", apiKey).Status(http.StatusOK)
		}
		h.withKey("/api/me", apiKey).Status(http.StatusUnauthorized)
	})

	It("tells a revoked key from one the server never knew", func() {
		h := scenario("revoked-key")
		h.withKey("/api/me", "ak_live_other_environment").Status(http.StatusUnauthorized).
			JSON().Object().HasValue("reason", "invalid_api_key")
	})

	It("leaves other credentials working", func() {
		h := scenario("revoked-key")
		h.withKey("/api/me", apiKey).Status(http.StatusOK)
		h.withKey("/api/me", apiKey).Status(http.StatusUnauthorized)
		access, _ := h.passwordToken("read")
		h.bearer("/api/me", access).Status(http.StatusOK)
	})
})

package scenarios_test

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("malformed-credentials", func() {
	It("hands out an API key that already carries its scheme; the API cannot read it and says why, every time", func() {
		h := scenario("malformed-credentials")
		fx := h.Fixtures()
		Expect(fx).To(HaveKeyWithValue("api_key", "ApiKey "+apiKey))

		// The key inside is good: sent once, bare, it works.
		h.withKey("/api/me", apiKey).Status(http.StatusOK)

		for range 2 { // the same request fails the same way
			resp := h.withKey("/api/me", fx["api_key"]).Status(http.StatusUnauthorized)
			resp.Header("WWW-Authenticate").HasPrefix(`ApiKey realm="authchaos", error="invalid_request", error_description="malformed ApiKey credentials: the scheme appears twice`)
			obj := resp.JSON().Object()
			obj.HasValue("reason", "malformed_credentials").HasValue("error", "invalid_request")
			obj.Value("error_description").String().Contains("send the scheme once")
			obj.Value("hint").String().Contains("encoded")
			resp.Body().NotContains(apiKey)
			Expect(h.last()).To(And(journalEntry("/api/me", 401, journal.MalformedCredentials), HaveField("Scheme", "ApiKey")))
		}
	})

	It("with kind=bad-base64 hands out a JWT in padded base64, which a Bearer header cannot carry: 400 invalid_request", func() {
		h := start(map[string]string{"kind": "bad-base64"}, "malformed-credentials")
		fx := h.Fixtures()
		Expect(fx).NotTo(HaveKey("refresh_token"))
		token := fx["access_token"]
		Expect(strings.Count(token, ".")).To(Equal(2))
		Expect(strings.TrimRight(token, "=")).To(ContainSubstring("="), "padding must sit inside the token")

		resp := h.bearer("/api/me", token).Status(http.StatusBadRequest)
		resp.Header("WWW-Authenticate").HasPrefix(`Bearer realm="authchaos", error="invalid_request"`).Contains("b64token")
		resp.JSON().Object().HasValue("reason", "malformed_credentials").HasValue("status", 400)
		Expect(h.last()).To(journalEntry("/api/me", 400, journal.MalformedCredentials))

		// Only the encoding is wrong: the same token in unpadded base64url works.
		parts := strings.Split(token, ".")
		for i, p := range parts {
			raw, err := base64.StdEncoding.DecodeString(p)
			Expect(err).NotTo(HaveOccurred())
			parts[i] = base64.RawURLEncoding.EncodeToString(raw)
		}
		h.bearer("/api/me", strings.Join(parts, ".")).Status(http.StatusOK)
	})

	It("with kind=truncated-jwt hands out a token cut at 255 characters and no refresh token: 401 invalid_token, not a JWT", func() {
		h := start(map[string]string{"kind": "truncated-jwt"}, "malformed-credentials")
		fx := h.Fixtures()
		Expect(fx).NotTo(HaveKey("refresh_token"))
		Expect(fx["access_token"]).To(HaveLen(255))

		resp := h.bearer("/api/me", fx["access_token"]).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix(`Bearer realm="authchaos", error="invalid_token"`).Contains("want 3 dot-separated parts, got 2")
		resp.JSON().Object().HasValue("reason", "malformed_token")
		Expect(h.last()).To(journalEntry("/api/me", 401, journal.MalformedToken))
	})

	It("rejects a kind it does not know, naming the valid ones", func() {
		h := scenario("malformed-credentials")
		Expect(h.Activate([]string{"malformed-credentials"}, map[string]string{"kind": "rot13"})).
			To(MatchError(ContainSubstring("valid: double-prefix, bad-base64, truncated-jwt")))
	})
})

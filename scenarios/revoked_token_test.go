package scenarios_test

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("revoked-token", func() {
	It("accepts the token for one call, then answers invalid_token token_revoked although exp is minutes away", func() {
		h := scenario("revoked-token")
		access, _ := h.passwordToken("read")
		h.bearer("/api/items", access).Status(http.StatusOK)

		// No time passes: only a revocation can explain the refusal.
		resp := h.bearer("/api/items", access).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix("Bearer ").Contains(`realm="authchaos"`).
			Contains(`error="invalid_token"`).Contains(`error_description="the access token was revoked"`)
		resp.JSON().Object().HasValue("reason", "token_revoked").Value("hint").String().NotEmpty()
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.TokenRevoked))
		Expect(h.last().At).To(Equal(t0))
		Expect(h.last().Scheme).To(Equal("Bearer"))
	})

	It("revokes after the number of successful calls the after parameter names", func() {
		h := start(map[string]string{"after": "3"}, "revoked-token")
		access, _ := h.passwordToken("read")
		for range 3 {
			h.bearer("/api/me", access).Status(http.StatusOK)
		}
		h.bearer("/api/me", access).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "token_revoked")
	})

	It("leaves the refresh token alone, and a refreshed token keeps working", func() {
		h := scenario("revoked-token")
		access, rt := h.passwordToken("read")
		h.bearer("/api/items", access).Status(http.StatusOK)
		h.bearer("/api/items", access).Status(http.StatusUnauthorized)

		fresh := h.refresh(rt).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		Expect(fresh).NotTo(Equal(access))
		for range 3 {
			h.bearer("/api/items", fresh).Status(http.StatusOK)
		}
		h.bearer("/api/items", access).Status(http.StatusUnauthorized)
	})
})

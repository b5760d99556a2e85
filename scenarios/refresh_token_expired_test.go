package scenarios_test

import (
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("refresh-token-expired", func() {
	It("refreshes while the refresh token lives", func() {
		h := scenario("refresh-token-expired")
		access, rt := h.passwordToken("read")
		h.Advance(6 * time.Minute)
		h.bearer("/api/items", access).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "token_expired")
		fresh := h.refresh(rt).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/items", fresh).Status(http.StatusOK)
	})

	It("answers the refresh grant with invalid_grant refresh_token_expired once both lifetimes pass, and a new login recovers", func() {
		h := scenario("refresh-token-expired")
		access, rt := h.passwordToken("read")
		h.bearer("/api/items", access).Status(http.StatusOK)

		h.Advance(31 * time.Minute)
		h.bearer("/api/items", access).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "token_expired")
		obj := h.refresh(rt).Status(http.StatusBadRequest).JSON().Object()
		obj.HasValue("error", "invalid_grant").HasValue("reason", "refresh_token_expired")
		obj.Value("error_description").String().Contains("expired at " + t0.Add(30*time.Minute).Format(time.RFC3339))
		obj.Value("hint").String().Contains("log in again")
		Expect(h.last()).To(And(journalEntry("/oauth/token", 400, journal.RefreshTokenExpired), HaveField("Grant", "refresh_token")))

		// The primary credentials still work: that is the recovery.
		again, _ := h.passwordToken("read")
		h.bearer("/api/items", again).Status(http.StatusOK)
		// And the dead refresh token stays dead.
		h.refresh(rt).Status(http.StatusBadRequest).JSON().Object().HasValue("reason", "refresh_token_expired")
	})

	It("honours the lifetime parameter", func() {
		h := start(map[string]string{"lifetime": "10m"}, "refresh-token-expired")
		_, rt := h.passwordToken("read")
		h.Advance(9 * time.Minute)
		h.refresh(rt).Status(http.StatusOK)
		h.Advance(time.Minute)
		h.refresh(rt).Status(http.StatusBadRequest).JSON().Object().HasValue("reason", "refresh_token_expired")
	})
})

package scenarios_test

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("password-changed", func() {
	It("changes the password after the first successful call: tokens, refresh tokens and sessions die, the old password fails", func() {
		h := scenario("password-changed")
		access, rt := h.passwordToken("read")
		session := h.login()

		h.bearer("/api/me", access).Status(http.StatusOK) // works until the change, which this call triggers

		resp := h.bearer("/api/items", access).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").Contains(`error="invalid_token"`)
		resp.JSON().Object().HasValue("reason", "token_revoked")
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.TokenRevoked))

		h.withCookie("/api/me", session).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "session_unknown")

		h.refresh(rt).Status(http.StatusBadRequest).JSON().Object().
			HasValue("error", "invalid_grant").HasValue("reason", "refresh_token_revoked")
		Expect(h.last()).To(And(journalEntry("/oauth/token", 400, journal.RefreshTokenRevoked), HaveField("Grant", "refresh_token")))

		h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithFormField("grant_type", "password").WithFormField("username", username).WithFormField("password", password).
			Expect().Status(http.StatusBadRequest).JSON().Object().HasValue("error", "invalid_grant").HasValue("reason", "wrong_password")

		login := h.e.POST("/login").WithJSON(map[string]string{"username": username, "password": password}).
			Expect().Status(http.StatusUnauthorized)
		login.Header("WWW-Authenticate").Contains(`error="wrong_password"`)
		Expect(h.last()).To(And(journalEntry("/login", 401, journal.WrongPassword), HaveField("Subject", username)))
	})

	It("waits for `after` successful calls", func() {
		h := start(map[string]string{"after": "2"}, "password-changed")
		access, _ := h.passwordToken("read")
		h.bearer("/api/me", access).Status(http.StatusOK)
		h.bearer("/api/me", access).Status(http.StatusOK)
		h.bearer("/api/me", access).Status(http.StatusUnauthorized)
	})

	It("leaves other users alone", func() {
		h := scenario("password-changed")
		access, _ := h.passwordToken("read")
		h.bearer("/api/me", access).Status(http.StatusOK)
		h.e.POST("/login").WithJSON(map[string]string{"username": "bob", "password": "builder"}).Expect().Status(http.StatusOK)
	})
})

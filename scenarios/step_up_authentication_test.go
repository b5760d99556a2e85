package scenarios_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("step-up-authentication", func() {
	otpGrant := func(h *harness) string {
		GinkgoHelper()
		otp := h.e.GET("/__admin/otp").WithQuery("user", username).Expect().Status(http.StatusOK).JSON().Object().Value("otp").String().Raw()
		return h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithFormField("grant_type", "password").WithFormField("username", username).WithFormField("password", password).
			WithFormField("otp", otp).WithFormField("scope", "read").
			Expect().Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
	}

	It("answers a password-only token with 401 insufficient_user_authentication acr_values=mfa, and lets a second-factor token through", func() {
		h := scenario("step-up-authentication")
		token, rt := h.passwordToken("read")
		h.bearer("/api/me", token).Status(http.StatusOK)
		resp := h.bearer("/api/items", token).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix(`Bearer realm="authchaos", error="insufficient_user_authentication"`).Contains(`acr_values="mfa"`)
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.InsufficientUserAuthentication))

		// A refresh keeps the old authentication.
		refreshed := h.refresh(rt).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/items", refreshed).Status(http.StatusUnauthorized)
		h.bearer("/api/items", otpGrant(h)).Status(http.StatusOK)
	})

	It("with require=max_age refuses a token whose authentication is too old, naming max_age, until the user logs in again", func() {
		h := start(map[string]string{"require": "max_age", "max-age": "5m"}, "step-up-authentication")
		token, rt := h.passwordToken("read")
		h.bearer("/api/items", token).Status(http.StatusOK)
		h.Advance(6 * time.Minute)
		h.bearer("/api/items", token).Status(http.StatusUnauthorized).
			Header("WWW-Authenticate").Contains(`error="insufficient_user_authentication"`).Contains(`max_age="300"`)
		refreshed := h.refresh(rt).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/items", refreshed).Status(http.StatusUnauthorized)
		fresh, _ := h.passwordToken("read")
		h.bearer("/api/items", fresh).Status(http.StatusOK)
	})
})

package fakeserver_test

import (
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
)

var _ = Describe("Step-up authentication (RFC 9470)", func() {
	var h *harness
	BeforeEach(func() { h = serve() })
	passwordToken := func(otp string) string {
		f := map[string]string{"grant_type": "password", "username": "alice", "password": "wonderland", "scope": "read"}
		if otp != "" {
			f["otp"] = otp
		}
		return h.token(f).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
	}

	It("asks a password-only token for the second factor with acr_values, and lets an mfa token in", func() {
		Expect(h.Apply(fakeserver.Activation{{ID: "step-up-authentication"}})).To(Succeed())
		r := h.bearer("GET", "/api/items", passwordToken("")).Status(http.StatusUnauthorized)
		r.Header("WWW-Authenticate").HasPrefix(`Bearer realm="authchaos", error="insufficient_user_authentication"`).Contains(`acr_values="mfa"`)
		r.JSON().Object().HasValue("reason", "insufficient_user_authentication")
		h.bearer("GET", "/api/items", passwordToken(h.OTP("alice"))).Status(http.StatusOK)
		h.bearer("GET", "/api/me", passwordToken("")).Status(http.StatusOK) // other routes ask nothing more
	})

	It("makes the authorization endpoint honour acr_values with the one-time code as the second factor", func() {
		Expect(h.Apply(fakeserver.Activation{{ID: "step-up-authentication"}})).To(Succeed())
		authorize := func(extra ...string) *url.URL {
			req := h.e.GET("/oauth/authorize").WithQuery("response_type", "code").WithQuery("client_id", clientID).
				WithQuery("redirect_uri", redirectURI).WithQuery("scope", "read").WithQuery("acr_values", "mfa")
			for i := 0; i+1 < len(extra); i += 2 {
				req = req.WithQuery(extra[i], extra[i+1])
			}
			u, err := url.Parse(req.Expect().Status(http.StatusFound).Header("Location").Raw())
			Expect(err).NotTo(HaveOccurred())
			return u
		}
		Expect(authorize().Query().Get("error")).To(Equal("interaction_required"))
		code := authorize("otp", h.OTP("alice")).Query().Get("code")
		token := h.token(map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI}).
			Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("GET", "/api/items", token).Status(http.StatusOK)
	})

	It("asks for a fresh login with max_age once the authentication is older, and a refresh does not make it younger", func() {
		Expect(h.Apply(fakeserver.Activation{{ID: "step-up-authentication", Params: map[string]string{"require": "max_age", "max-age": "5m"}}})).To(Succeed())
		obj := h.passwordToken("alice", "wonderland", "read")
		h.bearer("GET", "/api/items", obj.Value("access_token").String().Raw()).Status(http.StatusOK)
		h.Advance(6 * time.Minute)
		refreshed := h.token(map[string]string{"grant_type": "refresh_token", "refresh_token": obj.Value("refresh_token").String().Raw()}).
			Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("GET", "/api/items", refreshed).Status(http.StatusUnauthorized).Header("WWW-Authenticate").Contains(`max_age="300"`)
		h.bearer("GET", "/api/items", passwordToken("")).Status(http.StatusOK)
	})
})

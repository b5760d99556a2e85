package scenarios_test

import (
	"net/http"
	"net/url"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("cookie-secure-over-http", func() {
	It("sets the session cookie Secure on a plain-http API; calls arrive without it and get 401 missing_credentials", func() {
		h := scenario("cookie-secure-over-http")
		Expect(h.URL()).To(HavePrefix("http://"))
		resp := h.e.POST("/login").WithJSON(map[string]string{"username": username, "password": password}).
			Expect().Status(http.StatusOK)
		raw := resp.Cookie("authchaos_session").Raw()
		Expect(raw.Secure).To(BeTrue())
		Expect(raw.HttpOnly).To(BeTrue())

		denied := h.withCookie("/api/me", raw.Value).Status(http.StatusUnauthorized)
		denied.Header("WWW-Authenticate").NotEmpty()
		denied.JSON().Object().HasValue("reason", "missing_credentials")
		// The journal shows what the client sent; the API never saw it.
		Expect(h.last()).To(And(journalEntry("/api/me", 401, journal.MissingCredentials), HaveField("Scheme", "Cookie")))

		// Tokens are not cookies: they still work.
		access, _ := h.passwordToken("read")
		h.bearer("/api/me", access).Status(http.StatusOK)
	})

	It("withholds the cookie although Go's cookie jar, like browsers, would send it to a loopback host", func() {
		h := scenario("cookie-secure-over-http")
		c := jarClient()
		jarLogin(c, h.URL())
		u, _ := url.Parse(h.URL())
		Expect(c.Jar.Cookies(u)).To(HaveLen(1), "loopback counts as a secure origin")
		Expect(jarGet(c, h.URL(), "/api/me")).To(Equal(http.StatusUnauthorized))
	})

	It("on a healthy server sets no Secure attribute and the cookie comes back over http", func() {
		h := start(nil)
		raw := h.e.POST("/login").WithJSON(map[string]string{"username": username, "password": password}).
			Expect().Status(http.StatusOK).Cookie("authchaos_session").Raw()
		Expect(raw.Secure).To(BeFalse())
		h.withCookie("/api/me", raw.Value).Status(http.StatusOK)
	})

	It("with attr=samesite-strict sets SameSite=Strict and withholds the cookie from every call not marked same-site, as the workload expects", func() {
		h := start(map[string]string{"attr": "samesite-strict"}, "cookie-secure-over-http")
		raw := h.e.POST("/login").WithJSON(map[string]string{"username": username, "password": password}).
			Expect().Status(http.StatusOK).Cookie("authchaos_session").Raw()
		Expect(raw.SameSite).To(Equal(http.SameSiteStrictMode))
		Expect(raw.Secure).To(BeFalse())

		// An API client says nothing about sites: it is the app on
		// another site that the variant is about, so it bites at once.
		h.withCookie("/api/me", raw.Value).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "missing_credentials")
		h.e.GET("/api/me").WithCookie("authchaos_session", raw.Value).WithHeader("Sec-Fetch-Site", "cross-site").
			Expect().Status(http.StatusUnauthorized)
		for _, site := range []string{"same-origin", "same-site", "none"} {
			h.e.GET("/api/me").WithCookie("authchaos_session", raw.Value).WithHeader("Sec-Fetch-Site", site).
				Expect().Status(http.StatusOK)
		}
	})

	It("rejects an attr it does not know", func() {
		h := scenario("cookie-secure-over-http")
		Expect(h.Activate([]string{"cookie-secure-over-http"}, map[string]string{"attr": "httponly"})).
			To(MatchError(ContainSubstring("valid: secure, samesite-strict")))
	})
})

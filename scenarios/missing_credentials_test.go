package scenarios_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("missing-credentials", func() {
	It("loses the first call's credential and answers 401 with a challenge per accepted scheme, naming the realm", func() {
		h := scenario("missing-credentials")
		session := h.login()

		resp := h.withCookie("/api/me", session).Status(http.StatusUnauthorized)
		Expect(resp.Raw().Header.Values("WWW-Authenticate")).To(Equal([]string{
			`Bearer realm="authchaos", resource_metadata="` + h.URL() + `/.well-known/oauth-protected-resource/api/"`, `Basic realm="authchaos"`, `ApiKey realm="authchaos"`, `Session realm="authchaos"`,
		}))
		obj := resp.JSON().Object()
		obj.HasValue("reason", "missing_credentials").NotContainsKey("error")
		obj.Value("hint").String().Contains("Bearer, Basic, ApiKey, Cookie")
		// The journal keeps what the client sent; the app saw nothing.
		Expect(h.last()).To(And(journalEntry("/api/me", 401, journal.MissingCredentials),
			HaveField("Scheme", "Cookie"), HaveField("Credential", h.Fingerprint(session))))

		// The edge fires once: the next call with the same cookie works.
		h.withCookie("/api/me", session).Status(http.StatusOK).JSON().Object().HasValue("user", username)
	})

	It("drops every kind of credential, a Bearer header too", func() {
		h := scenario("missing-credentials")
		access, _ := h.passwordToken("read")
		h.bearer("/api/items", access).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "missing_credentials")
		Expect(h.last().Scheme).To(Equal("Bearer"))
		h.bearer("/api/items", access).Status(http.StatusOK)
	})

	It("leaves logins alone: only API calls lose their credential", func() {
		h := scenario("missing-credentials")
		h.login()
		h.passwordToken("read")
	})

	It("drops the credential of as many calls as the times parameter says", func() {
		h := start(map[string]string{"times": "2"}, "missing-credentials")
		session := h.login()
		h.withCookie("/api/me", session).Status(http.StatusUnauthorized)
		h.withCookie("/api/me", session).Status(http.StatusUnauthorized)
		h.withCookie("/api/me", session).Status(http.StatusOK)
	})

	It("challenges a call that really carries nothing the same way", func() {
		h := start(nil)
		h.e.GET("/api/me").Expect().Status(http.StatusUnauthorized).
			Header("WWW-Authenticate").IsEqual(`Bearer realm="authchaos", resource_metadata="` + h.URL() + `/.well-known/oauth-protected-resource/api/"`)
		Expect(h.last()).To(And(journalEntry("/api/me", 401, journal.MissingCredentials), HaveField("Scheme", "none")))
	})
})

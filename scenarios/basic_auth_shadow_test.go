package scenarios_test

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("basic-auth-shadow", func() {
	const challenge = `Basic realm="Restricted Content"`

	It("answers every /api/ call without a .htpasswd user's Basic credential with Apache's Basic challenge", func() {
		h := scenario("basic-auth-shadow")
		token := h.clientToken("read") // the token endpoint is not under the rule

		resp := h.bearer("/api/items", token).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").IsEqual(challenge)
		resp.Header("Server").HasPrefix("Apache/")
		resp.HasContentType("text/html", "iso-8859-1")
		resp.Body().Contains("This server could not verify that you").Contains("Server at 127.0.0.1 Port")
		Expect(h.last()).To(And(journalEntry("/api/items", 401, journal.HtaccessBasicAuth),
			HaveField("Origin", journal.Apache), HaveField("Scheme", "Bearer")))

		// The API's own Basic users are not in the .htpasswd, and nothing is not either.
		h.e.GET("/api/me").WithHeader("Authorization", basic(username, password)).
			Expect().Status(http.StatusUnauthorized).Header("WWW-Authenticate").IsEqual(challenge)
		h.e.GET("/api/me").Expect().Status(http.StatusUnauthorized).Header("WWW-Authenticate").IsEqual(challenge)
		h.withKey("/api/me", apiKey).Status(http.StatusUnauthorized).Header("WWW-Authenticate").IsEqual(challenge)
	})

	It("lets the .htpasswd user through to the app, which has never heard of it", func() {
		h := scenario("basic-auth-shadow")
		resp := h.e.GET("/api/me").WithHeader("Authorization", basic("ops", "0ps-0nly-2019")).
			Expect().Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix(`Basic realm="authchaos"`)
		resp.JSON().Object().HasValue("reason", "wrong_password")
		Expect(h.last()).To(And(journalEntry("/api/me", 401, journal.WrongPassword), HaveField("Origin", journal.App)))
	})

	It("covers only path", func() {
		h := start(map[string]string{"path": "/api/items"}, "basic-auth-shadow")
		token := h.clientToken("read")
		h.bearer("/api/me", token).Status(http.StatusOK)
		h.bearer("/api/items", token).Status(http.StatusUnauthorized).Header("WWW-Authenticate").IsEqual(challenge)
	})
})

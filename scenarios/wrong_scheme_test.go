package scenarios_test

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("wrong-scheme", func() {
	It("answers a good Bearer token on the narrowed route with 401 wrong_scheme and an ApiKey challenge", func() {
		h := scenario("wrong-scheme")
		access := h.clientToken("read")
		h.bearer("/api/me", access).Status(http.StatusOK)

		resp := h.bearer("/api/items", access).Status(http.StatusUnauthorized)
		Expect(resp.Raw().Header.Values("WWW-Authenticate")).To(HaveExactElements(HavePrefix(`ApiKey realm="authchaos"`)))
		obj := resp.JSON().Object()
		obj.HasValue("reason", "wrong_scheme").HasValue("accepted_schemes", []string{"ApiKey"})
		obj.Value("error_description").String().Contains("accepts ApiKey credentials, got Bearer")
		Expect(h.last()).To(And(journalEntry("/api/items", 401, journal.WrongScheme), HaveField("Scheme", "Bearer")))

		// Switching to the scheme asked for works at once.
		h.withKey("/api/items", apiKey).Status(http.StatusOK)
		Expect(h.last()).To(And(journalEntry("/api/items", 200, ""), HaveField("Scheme", "ApiKey")))
	})

	It("does not let a fresh token of the same scheme through", func() {
		h := scenario("wrong-scheme")
		h.bearer("/api/items", h.clientToken("read")).Status(http.StatusUnauthorized)
		h.bearer("/api/items", h.clientToken("read")).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "wrong_scheme")
	})

	It("honours the path and scheme parameters", func() {
		h := start(map[string]string{"path": "/api/me", "scheme": "Basic"}, "wrong-scheme")
		access := h.clientToken("read")
		h.bearer("/api/items", access).Status(http.StatusOK)
		h.bearer("/api/me", access).Status(http.StatusUnauthorized).
			Header("WWW-Authenticate").HasPrefix(`Basic realm="authchaos"`)
		h.e.GET("/api/me").WithHeader("Authorization", basic(username, password)).Expect().
			Status(http.StatusOK).JSON().Object().HasValue("user", username)
	})

	It("is the scenario that narrows the route: on a healthy server Bearer reads the items", func() {
		h := start(nil)
		h.bearer("/api/items", h.clientToken("read")).Status(http.StatusOK)
	})
})

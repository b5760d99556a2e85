package scenarios_test

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("forbidden-not-unauthorized", func() {
	It("accepts the token, then answers the route that needs a role with 403 insufficient_role and no challenge", func() {
		h := scenario("forbidden-not-unauthorized")
		access, _ := h.passwordToken("read")
		h.bearer("/api/me", access).Status(http.StatusOK).JSON().Object().HasValue("user", username)

		resp := h.bearer("/api/items", access).Status(http.StatusForbidden)
		Expect(resp.Raw().Header.Values("WWW-Authenticate")).To(BeEmpty())
		obj := resp.JSON().Object()
		obj.HasValue("status", 403).HasValue("reason", "insufficient_role")
		obj.Value("hint").String().Contains("role admin").Contains("a new token will not help")
		Expect(h.last()).To(And(journalEntry("/api/items", 403, journal.InsufficientRole), HaveField("Subject", username)))
	})

	It("refuses a refreshed token and a new login just the same: a new credential does not help", func() {
		h := scenario("forbidden-not-unauthorized")
		_, rt := h.passwordToken("read")
		fresh := h.refresh(rt).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/items", fresh).Status(http.StatusForbidden)
		again, _ := h.passwordToken("read")
		h.bearer("/api/items", again).Status(http.StatusForbidden)
		h.withKey("/api/items", apiKey).Status(http.StatusForbidden).JSON().Object().HasValue("reason", "insufficient_role")
	})

	It("lets a user who holds the role through", func() {
		h := scenario("forbidden-not-unauthorized")
		bob := h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithFormField("grant_type", "password").WithFormField("username", "bob").
			WithFormField("password", "builder").WithFormField("scope", "read").
			Expect().Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/items", bob).Status(http.StatusOK)
	})

	It("is the scenario that adds the role: on a healthy server the same token reads the items", func() {
		h := start(nil)
		access, _ := h.passwordToken("read")
		h.bearer("/api/items", access).Status(http.StatusOK)
	})

	It("honours the path and role parameters", func() {
		h := start(map[string]string{"path": "/api/me", "role": "auditor"}, "forbidden-not-unauthorized")
		access, _ := h.passwordToken("read")
		h.bearer("/api/items", access).Status(http.StatusOK)
		h.bearer("/api/me", access).Status(http.StatusForbidden).JSON().Object().
			Value("hint").String().Contains("role auditor")
	})
})

package scenarios_test

import (
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("missing-www-authenticate", func() {
	bare := map[string]any{"status": 401, "message": "Unauthorized"}

	It("answers an expired token with a bare 401: no WWW-Authenticate, body exactly {status, message}", func() {
		h := scenario("missing-www-authenticate")
		access, rt := h.passwordToken("read")
		h.bearer("/api/items", access).Status(http.StatusOK)

		h.Advance(6 * time.Minute)
		resp := h.bearer("/api/items", access).Status(http.StatusUnauthorized)
		Expect(resp.Raw().Header.Values("WWW-Authenticate")).To(BeEmpty())
		resp.HasContentType("application/json")
		resp.JSON().Object().IsEqual(bare)
		// The server still knows why, and says so in its journal only.
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.TokenExpired))

		fresh := h.refresh(rt).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/items", fresh).Status(http.StatusOK)
	})

	It("gives every 401 the same bare answer, so a missing credential looks like an expired one", func() {
		h := scenario("missing-www-authenticate")
		resp := h.e.GET("/api/items").Expect().Status(http.StatusUnauthorized)
		Expect(resp.Raw().Header.Values("WWW-Authenticate")).To(BeEmpty())
		resp.JSON().Object().IsEqual(bare)
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.MissingCredentials))
	})

	It("leaves 403 insufficient_scope with its challenge: only 401s go bare", func() {
		h := scenario("missing-www-authenticate")
		access, _ := h.passwordToken("read")
		h.e.POST("/api/items").WithHeader("Authorization", "Bearer "+access).Expect().
			Status(http.StatusForbidden).Header("WWW-Authenticate").Contains(`error="insufficient_scope"`)
	})

	It("honours the lifetime parameter", func() {
		h := start(map[string]string{"lifetime": "1m"}, "missing-www-authenticate")
		access, _ := h.passwordToken("read")
		h.Advance(59 * time.Second)
		h.bearer("/api/items", access).Status(http.StatusOK)
		h.Advance(2 * time.Second)
		h.bearer("/api/items", access).Status(http.StatusUnauthorized).JSON().Object().IsEqual(bare)
	})

	It("is the scenario that strips the challenge: a healthy server sends one", func() {
		h := start(nil)
		h.e.GET("/api/items").Expect().Status(http.StatusUnauthorized).Header("WWW-Authenticate").HasPrefix("Bearer ")
	})
})

package scenarios_test

import (
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("expired-token", func() {
	It("accepts the token until its lifetime passes on the virtual clock, then answers invalid_token", func() {
		h := scenario("expired-token")
		access, _ := h.passwordToken("read")
		h.bearer("/api/items", access).Status(http.StatusOK)

		h.Advance(5*time.Minute + time.Second)
		resp := h.bearer("/api/items", access).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix("Bearer ").Contains(`error="invalid_token"`).Contains(`realm="authchaos"`)
		resp.JSON().Object().HasValue("reason", "token_expired").Value("hint").String().NotEmpty()
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.TokenExpired))
		Expect(h.last().Scenario).To(Equal("expired-token"))
	})

	It("honours a shorter lifetime parameter", func() {
		h := start(map[string]string{"lifetime": "30s"}, "expired-token")
		access, _ := h.passwordToken("read")
		h.Advance(31 * time.Second)
		h.bearer("/api/items", access).Status(http.StatusUnauthorized)
	})

	It("lets a refreshed token through", func() {
		h := scenario("expired-token")
		_, rt := h.passwordToken("read")
		h.Advance(6 * time.Minute)
		fresh := h.refresh(rt).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/items", fresh).Status(http.StatusOK)
	})
})

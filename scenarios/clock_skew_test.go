package scenarios_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("clock-skew", func() {
	It("expires a token at the API minutes before the client's clock says it should", func() {
		h := scenario("clock-skew")
		obj := h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithFormField("grant_type", "password").WithFormField("username", username).
			WithFormField("password", password).WithFormField("scope", "read").
			Expect().Status(http.StatusOK).JSON().Object()
		obj.HasValue("expires_in", 300) // what the client believes
		access := obj.Value("access_token").String().Raw()
		rt := obj.Value("refresh_token").String().Raw()
		h.bearer("/api/items", access).Status(http.StatusOK)

		// Two minutes on: three left by the client's reckoning, but the
		// API reads its own clock, four minutes ahead.
		h.Advance(2 * time.Minute)
		resp := h.bearer("/api/items", access).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix("Bearer ").Contains(`error="invalid_token"`)
		resp.JSON().Object().HasValue("reason", "token_expired").Value("error_description").String().
			Contains("expired at " + t0.Add(5*time.Minute).Format(time.RFC3339)).
			Contains("server time " + t0.Add(6*time.Minute).Format(time.RFC3339))
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.TokenExpired))
		Expect(h.last().At).To(Equal(t0.Add(2 * time.Minute)))

		fresh := h.refresh(rt).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/items", fresh).Status(http.StatusOK)
	})

	It("is the skew that bites: without it the same token is fine two minutes on", func() {
		h := start(nil)
		access, _ := h.passwordToken("read")
		h.Advance(2 * time.Minute)
		h.bearer("/api/items", access).Status(http.StatusOK)
	})

	It("honours a smaller skew", func() {
		h := start(map[string]string{"skew": "1m"}, "clock-skew")
		access, _ := h.passwordToken("read")
		h.Advance(3*time.Minute + 59*time.Second)
		h.bearer("/api/items", access).Status(http.StatusOK)
		h.Advance(2 * time.Second)
		h.bearer("/api/items", access).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "token_expired")
	})

	It("with the API's clock behind, refuses a fresh token as not yet valid until the clocks agree", func() {
		h := start(map[string]string{"direction": "behind"}, "clock-skew")
		access, _ := h.passwordToken("read")
		resp := h.bearer("/api/items", access).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").Contains(`error="invalid_token"`)
		resp.JSON().Object().HasValue("reason", "token_not_yet_valid").Value("error_description").String().
			Contains("not valid before " + t0.Format(time.RFC3339)).
			Contains("server time " + t0.Add(-4*time.Minute).Format(time.RFC3339))
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.TokenNotYetValid))

		h.Advance(4 * time.Minute)
		h.bearer("/api/items", access).Status(http.StatusOK)
	})

	It("rejects a direction it does not know, naming the valid ones", func() {
		s, err := fakeserver.New(fakeserver.WithClock(clock.Frozen(t0)))
		Expect(err).NotTo(HaveOccurred())
		err = s.Activate([]string{"clock-skew"}, map[string]string{"direction": "sideways"})
		Expect(err).To(MatchError(And(ContainSubstring(`"sideways"`), ContainSubstring("ahead, behind"))))
	})

	Context("composed with expired-token", func() {
		It("eats into expired-token's lifetime: the token dies at the API after lifetime minus skew", func() {
			h := start(nil, "expired-token", "clock-skew")
			access, _ := h.passwordToken("read")
			h.Advance(59 * time.Second)
			h.bearer("/api/items", access).Status(http.StatusOK)
			h.Advance(2 * time.Second)
			h.bearer("/api/items", access).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "token_expired")
			Expect(h.last().Scenario).To(Equal("expired-token+clock-skew"))
		})

		It("keeps expired-token's lifetime parameter", func() {
			h := start(map[string]string{"lifetime": "10m"}, "expired-token", "clock-skew")
			access, _ := h.passwordToken("read")
			h.Advance(5*time.Minute + 59*time.Second)
			h.bearer("/api/items", access).Status(http.StatusOK)
			h.Advance(2 * time.Second)
			h.bearer("/api/items", access).Status(http.StatusUnauthorized)
		})
	})
})

package scenarios_test

import (
	"net/http"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("stale-cached-credentials", func() {
	It("publishes a stored token pair whose access token is refused on the very first call", func() {
		h := scenario("stale-cached-credentials")
		fx := h.Fixtures()
		Expect(fx).To(HaveKey("access_token"))
		Expect(fx).To(HaveKey("refresh_token"))

		resp := h.bearer("/api/items", fx["access_token"]).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix("Bearer ").Contains(`error="invalid_token"`)
		resp.JSON().Object().HasValue("reason", "token_revoked")

		// Nothing came before it: the token was dead on arrival.
		es := h.Journal().Entries(0)
		Expect(es).To(HaveLen(1))
		Expect(es[0]).To(And(journalEntry("/api/items", 401, journal.TokenRevoked),
			HaveField("Scheme", "Bearer"), HaveField("Credential", h.Fingerprint(fx["access_token"]))))
	})

	It("keeps the stored refresh token good, so one refresh recovers", func() {
		h := scenario("stale-cached-credentials")
		fx := h.Fixtures()
		fresh := h.refresh(fx["refresh_token"]).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/me", fresh).Status(http.StatusOK).JSON().Object().HasValue("user", username)
		h.bearer("/api/me", fx["access_token"]).Status(http.StatusUnauthorized)
	})

	It("can make the stored token one signed with a key rotated out of /jwks", func() {
		h := start(map[string]string{"kind": "rotated-key"}, "stale-cached-credentials")
		fx := h.Fixtures()
		h.bearer("/api/items", fx["access_token"]).Status(http.StatusUnauthorized).
			JSON().Object().HasValue("reason", "unknown_signing_key")
		fresh := h.refresh(fx["refresh_token"]).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/items", fresh).Status(http.StatusOK)
	})

	It("stores tokens of the user the user parameter names", func() {
		h := start(map[string]string{"user": "bob"}, "stale-cached-credentials")
		fresh := h.refresh(h.Fixtures()["refresh_token"]).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/me", fresh).Status(http.StatusOK).JSON().Object().HasValue("user", "bob")
	})

	It("rejects an unknown kind or user", func() {
		s, err := fakeserver.New(fakeserver.WithClock(clock.Frozen(t0)))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Activate([]string{"stale-cached-credentials"}, map[string]string{"kind": "expired"})).
			To(MatchError(ContainSubstring("valid: revoked, rotated-key")))
		Expect(s.Activate([]string{"stale-cached-credentials"}, map[string]string{"user": "mallory"})).
			To(MatchError(ContainSubstring(`no user "mallory"`)))
	})

	It("works when activated from the configuration, before the server has a URL", func() {
		cfg := config.Default()
		cfg.Scenarios = []config.Scenario{{ID: "stale-cached-credentials"}}
		s, err := fakeserver.New(fakeserver.WithConfig(cfg), fakeserver.WithClock(clock.Frozen(t0)))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Start()).To(Succeed())
		DeferCleanup(s.Close)
		e := httpexpect.WithConfig(httpexpect.Config{BaseURL: s.URL(), Reporter: httpexpect.NewAssertReporter(GinkgoT())})
		// token_revoked, not wrong_issuer: the tokens name the real issuer.
		e.GET("/api/items").WithHeader("Authorization", "Bearer "+s.Fixtures()["access_token"]).
			Expect().Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "token_revoked")
	})
})

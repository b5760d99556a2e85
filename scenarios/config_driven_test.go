package scenarios_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/config"
)

// Scenarios follow the configuration the server runs with: its realm, and
// the first user and API key, which are what the suites hand to clients.
// None may assume the built-in demo accounts.
var _ = Describe("Scenarios on a configuration other than the demo one", func() {
	var cfg *config.File
	BeforeEach(func() {
		cfg = config.Default()
		cfg.Realm = "acme-api"
		cfg.Users = []config.User{{Username: "carol", Password: "c4rol-pass", Scopes: []string{"read", "write"}}}
		cfg.APIKeys = []config.APIKey{{Key: "ak_acme_carol", Owner: "carol", Scopes: []string{"read"}}}
	})

	It("session-network-change answers in the configured realm", func() {
		h := startWith(cfg, nil, "session-network-change")
		session := h.e.POST("/login").WithJSON(map[string]string{"username": "carol", "password": "c4rol-pass"}).
			Expect().Status(http.StatusOK).Cookie("authchaos_session").Value().Raw()
		h.withCookie("/api/me", session).Status(http.StatusOK)
		h.withCookie("/api/me", session).Status(http.StatusUnauthorized).
			Header("WWW-Authenticate").HasPrefix(`Session realm="acme-api"`)
	})

	It("malformed-credentials spoils the configured API key", func() {
		h := startWith(cfg, nil, "malformed-credentials")
		Expect(h.Fixtures()).To(HaveKeyWithValue("api_key", "ApiKey ak_acme_carol"))
		h.withKey("/api/me", h.Fixtures()["api_key"]).Status(http.StatusUnauthorized).
			JSON().Object().HasValue("reason", "malformed_credentials")
	})

	It("malformed-credentials mints the token it spoils for the configured user", func() {
		h := startWith(cfg, map[string]string{"kind": "truncated-jwt"}, "malformed-credentials")
		Expect(h.Fixtures()).To(HaveKey("access_token"))
	})

	It("device-limit fills the configured user's session slots", func() {
		h := startWith(cfg, nil, "device-limit")
		h.e.POST("/login").WithJSON(map[string]string{"username": "carol", "password": "c4rol-pass"}).
			Expect().Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "device_limit")
	})

	It("stale-cached-credentials stores tokens of the configured user", func() {
		h := startWith(cfg, nil, "stale-cached-credentials")
		h.bearer("/api/me", h.Fixtures()["access_token"]).Status(http.StatusUnauthorized).
			JSON().Object().HasValue("reason", "token_revoked")
		h.refresh(h.Fixtures()["refresh_token"]).Status(http.StatusOK)
	})
})

package scenarios_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("client-mismatch", func() {
	It("hands out another environment's client, which the token endpoint refuses with 401 invalid_client and a Basic challenge", func() {
		h := scenario("client-mismatch")
		fx := h.Fixtures()
		Expect(fx).To(HaveKeyWithValue("client_id", "authchaos-staging"))
		Expect(fx["client_secret"]).NotTo(BeEmpty())

		resp := h.e.POST("/oauth/token").WithBasicAuth(fx["client_id"], fx["client_secret"]).
			WithFormField("grant_type", "client_credentials").WithFormField("scope", "read").
			Expect().Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").IsEqual(`Basic realm="authchaos", error="invalid_client"`)
		obj := resp.JSON().Object()
		obj.HasValue("error", "invalid_client").HasValue("reason", "invalid_client").NotContainsKey("access_token")
		obj.Value("error_description").String().Contains(`client "auth…" (17 characters) is not registered`)
		obj.Value("hint").String().Contains("environment")
		resp.Body().NotContains(fx["client_secret"])
		Expect(h.last()).To(And(journalEntry("/oauth/token", 401, journal.InvalidClient),
			HaveField("Grant", "client_credentials"), HaveField("Subject", h.Fingerprint("authchaos-staging")), HaveField("Scheme", "Basic")))

		// No token, so no API call can carry one.
		h.e.GET("/api/items").Expect().Status(http.StatusUnauthorized)
	})

	It("refuses the same client sent in form fields just the same", func() {
		h := scenario("client-mismatch")
		fx := h.Fixtures()
		resp := h.e.POST("/oauth/token").WithFormField("client_id", fx["client_id"]).WithFormField("client_secret", fx["client_secret"]).
			WithFormField("grant_type", "password").WithFormField("username", username).WithFormField("password", password).
			Expect().Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix("Basic ").Contains(`error="invalid_client"`)
		resp.JSON().Object().HasValue("error", "invalid_client").NotContainsKey("access_token")
		Expect(h.last()).To(And(journalEntry("/oauth/token", 401, journal.InvalidClient), HaveField("Grant", "password")))
	})

	It("with kind=wrong-secret keeps the right id and says the secret is wrong", func() {
		h := start(map[string]string{"kind": "wrong-secret"}, "client-mismatch")
		fx := h.Fixtures()
		Expect(fx).To(HaveKeyWithValue("client_id", clientID))
		Expect(fx["client_secret"]).NotTo(Equal(clientSecret))
		h.e.POST("/oauth/token").WithBasicAuth(fx["client_id"], fx["client_secret"]).
			WithFormField("grant_type", "client_credentials").
			Expect().Status(http.StatusUnauthorized).JSON().Object().
			HasValue("error", "invalid_client").Value("error_description").String().Contains("client secret")
	})

	It("names the foreign client the client_id parameter gives", func() {
		h := start(map[string]string{"client_id": "authchaos-qa"}, "client-mismatch")
		Expect(h.Fixtures()).To(HaveKeyWithValue("client_id", "authchaos-qa"))
	})

	It("leaves this environment's own client working", func() {
		h := scenario("client-mismatch")
		h.bearer("/api/items", h.clientToken("read")).Status(http.StatusOK)
	})

	It("rejects a kind it does not know", func() {
		s, err := fakeserver.New(fakeserver.WithClock(clock.Frozen(t0)))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Activate([]string{"client-mismatch"}, map[string]string{"kind": "prod"})).
			To(MatchError(ContainSubstring("valid: other-environment, wrong-secret")))
	})
})

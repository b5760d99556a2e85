package fakeserver_test

import (
	"github.com/authchaos/authchaos/internal/dpoptest"
	"net/http"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites/adapter"
)

// A scenario for these specs only: a nonce on every route, Bearer still
// accepted, so the specs can check nonces apart from the catalog's
// dpop-nonce, which also makes /api/items DPoP-only.
func init() {
	scenarios.Register(&scenarios.Scenario{
		ID: "spec-dpop-nonce", Title: "spec only", Category: "spec", Recovery: scenarios.Refresh,
		Summary: "DPoP nonces every 30s", Sources: []string{"spec"},
		Explain:  scenarios.Explain{Symptom: "-", Cause: "-", UserFix: "-", OwnerFix: "-", TellApart: "-"},
		Install:  func(env fault.Env, _ scenarios.Params) error { env.Knobs().DPoPNonce = 30 * time.Second; return nil },
		Workload: scenarios.Workload{Auth: adapter.AuthOAuth2ClientCredentials, Steps: []scenarios.Step{scenarios.Get("/api/items")}},
	})
}

var _ = Describe("DPoP (RFC 9449)", func() {
	var (
		h   *harness
		key *dpoptest.Key
	)
	BeforeEach(func() {
		h = serve()
		key = dpoptest.NewKey()
	})
	tokenWith := func(proof string) *httpexpect.Response {
		return h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).WithHeader("DPoP", proof).
			WithFormField("grant_type", "client_credentials").WithFormField("scope", "read").Expect()
	}
	callWith := func(token, proof string) *httpexpect.Response {
		req := h.e.GET("/api/items").WithHeader("Authorization", "DPoP "+token)
		if proof != "" {
			req = req.WithHeader("DPoP", proof)
		}
		return req.Expect()
	}
	now := func() time.Time { return h.Clock().Now() }

	It("binds a token to the proof's key and lets it in only with a fresh proof by that key", func() {
		obj := tokenWith(key.Proof("POST", h.URL()+"/oauth/token", now(), "", "")).Status(http.StatusOK).JSON().Object()
		obj.HasValue("token_type", "DPoP")
		token := obj.Value("access_token").String().Raw()
		api := h.URL() + "/api/items"

		callWith(token, key.Proof("GET", api, now(), token, "")).Status(http.StatusOK)

		proof := key.Proof("GET", api, now(), token, "")
		callWith(token, proof).Status(http.StatusOK)
		r := callWith(token, proof).Status(http.StatusUnauthorized) // replayed
		r.Header("WWW-Authenticate").HasPrefix(`DPoP realm="authchaos", error="invalid_dpop_proof"`).Contains(`algs="ES256`)
		r.JSON().Object().Value("error_description").String().Contains("jti was used before")

		for _, bad := range []string{
			key.Proof("POST", api, now(), token, ""),                    // wrong method
			key.Proof("GET", h.URL()+"/api/me", now(), token, ""),       // wrong URL
			key.Proof("GET", api, now().Add(-5*time.Minute), token, ""), // too old
			key.Proof("GET", api, now(), "another-token", ""),           // wrong ath
			dpoptest.NewKey().Proof("GET", api, now(), token, ""),       // another key
		} {
			callWith(token, bad).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "invalid_dpop_proof")
		}
		callWith(token, "").Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "invalid_dpop_proof")
		h.bearer("GET", "/api/items", token).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "dpop_bound_as_bearer")
	})

	It("refuses a proof that is not a dpop+jwt signed by the key it carries", func() {
		tokenWith("not-a-jws").Status(http.StatusBadRequest).JSON().Object().HasValue("error", "invalid_dpop_proof")
	})

	It("demands the server's nonce at the token endpoint and the API, which rotates on the virtual clock", func() {
		Expect(h.Apply(fakeserver.Activation{{ID: "spec-dpop-nonce"}})).To(Succeed())
		tokenURL := h.URL() + "/oauth/token"
		r := tokenWith(key.Proof("POST", tokenURL, now(), "", "")).Status(http.StatusBadRequest)
		r.JSON().Object().HasValue("error", "use_dpop_nonce")
		nonce := r.Header("DPoP-Nonce").NotEmpty().Raw()
		obj := tokenWith(key.Proof("POST", tokenURL, now(), "", nonce)).Status(http.StatusOK).JSON().Object()
		token := obj.Value("access_token").String().Raw()

		api := h.URL() + "/api/items"
		callWith(token, key.Proof("GET", api, now(), token, nonce)).Status(http.StatusOK)
		h.Advance(30 * time.Second) // the nonce rotates
		r = callWith(token, key.Proof("GET", api, now(), token, nonce)).Status(http.StatusUnauthorized)
		r.Header("WWW-Authenticate").HasPrefix(`DPoP realm="authchaos", error="use_dpop_nonce"`)
		fresh := r.Header("DPoP-Nonce").NotEmpty().Raw()
		Expect(fresh).NotTo(Equal(nonce))
		callWith(token, key.Proof("GET", api, now(), token, fresh)).Status(http.StatusOK)
	})

	It("announces DPoP in both metadata documents", func() {
		h.e.GET("/.well-known/oauth-authorization-server").Expect().JSON().Object().
			Value("dpop_signing_alg_values_supported").Array().ContainsAll("ES256", "EdDSA")
		h.e.GET("/.well-known/oauth-protected-resource").Expect().JSON().Object().
			Value("dpop_signing_alg_values_supported").Array().ContainsAll("ES256")
	})
})

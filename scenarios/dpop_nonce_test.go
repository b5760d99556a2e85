package scenarios_test

import (
	"github.com/authchaos/authchaos/internal/dpoptest"
	"net/http"
	"time"

	"github.com/gavv/httpexpect/v2"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("dpop-nonce", func() {
	It("demands the server's nonce at the token endpoint and the API, and again when it rotates", func() {
		h := scenario("dpop-nonce")
		key := dpoptest.NewKey()
		tokenURL, apiURL := h.URL()+"/oauth/token", h.URL()+"/api/items"
		grant := func(proof string) *httpexpect.Response {
			return h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).WithHeader("DPoP", proof).
				WithFormField("grant_type", "client_credentials").WithFormField("scope", "read").Expect()
		}
		refused := grant(key.Proof("POST", tokenURL, time.Now(), "", "")).Status(http.StatusBadRequest)
		refused.JSON().Object().HasValue("error", "use_dpop_nonce")
		nonce := refused.Header("DPoP-Nonce").NotEmpty().Raw()
		Expect(h.last()).To(journalEntry("/oauth/token", 400, journal.UseDPoPNonce))

		ok := grant(key.Proof("POST", tokenURL, time.Now(), "", nonce)).Status(http.StatusOK)
		obj := ok.JSON().Object()
		obj.HasValue("token_type", "DPoP")
		token := obj.Value("access_token").String().Raw()

		call := func(nonce string) *httpexpect.Response {
			return h.e.GET("/api/items").WithHeader("Authorization", "DPoP "+token).WithHeader("DPoP", key.Proof("GET", apiURL, time.Now(), token, nonce)).Expect()
		}
		call(nonce).Status(http.StatusOK)
		// The route takes only DPoP: the same token as Bearer is refused.
		h.bearer("/api/items", token).Status(http.StatusUnauthorized).Header("WWW-Authenticate").HasPrefix("DPoP ")

		h.Advance(5 * time.Minute)
		stale := call(nonce).Status(http.StatusUnauthorized)
		stale.Header("WWW-Authenticate").HasPrefix("DPoP ").Contains(`error="use_dpop_nonce"`)
		fresh := stale.Header("DPoP-Nonce").NotEmpty().NotEqual(nonce).Raw()
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.UseDPoPNonce))
		Expect(h.last().DPoP).To(BeTrue(), "the journal records that a proof came")
		call(fresh).Status(http.StatusOK) // same token, new nonce
	})

	It("honours path and rotate", func() {
		h := start(map[string]string{"path": "/api/me", "rotate": "30s"}, "dpop-nonce")
		token := h.clientToken("read")
		h.bearer("/api/items", token).Status(http.StatusOK)
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("WWW-Authenticate").HasPrefix("DPoP ")
	})
})

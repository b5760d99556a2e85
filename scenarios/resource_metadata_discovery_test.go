package scenarios_test

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("resource-metadata-discovery", func() {
	It("leads a client from the 401 to the token endpoint, and takes only tokens issued for the API", func() {
		h := scenario("resource-metadata-discovery")
		challenge := h.e.GET("/api/items").Expect().Status(http.StatusUnauthorized).Header("WWW-Authenticate").Raw()
		Expect(challenge).To(ContainSubstring(`resource_metadata="` + h.URL() + `/.well-known/oauth-protected-resource/api/"`))

		meta := h.e.GET("/.well-known/oauth-protected-resource/api/").Expect().Status(http.StatusOK).JSON().Object()
		resource := meta.Value("resource").String().Raw()
		Expect(resource).To(Equal(h.URL() + "/api/"))
		as := meta.Value("authorization_servers").Array().Value(0).String().Raw()
		asMeta := h.e.GET(strings.TrimPrefix(as, h.URL()) + "/.well-known/oauth-authorization-server").Expect().Status(http.StatusOK).JSON().Object()
		asMeta.HasValue("issuer", as)
		Expect(asMeta.Value("token_endpoint").String().Raw()).To(Equal(h.URL() + "/oauth/token"))

		// Without resource= the token names no resource: refused here.
		h.bearer("/api/items", h.clientToken("read")).Status(http.StatusUnauthorized).Header("WWW-Authenticate").Contains(`error="invalid_token"`)
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.AudienceMismatch))

		token := h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithFormField("grant_type", "client_credentials").WithFormField("scope", "read").WithFormField("resource", resource).
			Expect().Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		Expect(h.last().Resource).To(Equal(resource), "the journal records the resource indicator")
		h.bearer("/api/items", token).Status(http.StatusOK)
	})

	It("on a healthy server lets a token without resource indicators in", func() {
		h := start(nil)
		h.bearer("/api/items", h.clientToken("read")).Status(http.StatusOK)
	})
})

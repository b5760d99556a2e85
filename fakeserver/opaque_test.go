package fakeserver_test

import (
	"context"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("Opaque access tokens (token_format: opaque)", func() {
	var h *harness
	BeforeEach(func() { h = serve(func(f *config.File) { f.TokenFormat = config.OpaqueTokens }) })
	introspect := func(token string) map[string]any {
		GinkgoHelper()
		return h.e.POST("/oauth/introspect").WithBasicAuth(clientID, clientSecret).WithFormField("token", token).
			Expect().Status(http.StatusOK).JSON().Object().Raw()
	}

	It("issues tokens that are no JWT, which the API accepts and only introspection explains", func() {
		obj := h.passwordToken("alice", "wonderland", "read")
		access := obj.Value("access_token").String().Raw()
		Expect(access).To(HavePrefix("at_"))
		Expect(strings.Count(access, ".")).To(BeZero(), "nothing a resource server could decode")
		h.bearer("GET", "/api/me", access).Status(http.StatusOK)
		Expect(introspect(access)).To(And(HaveKeyWithValue("active", true), HaveKeyWithValue("sub", "alice"),
			HaveKeyWithValue("client_id", clientID), HaveKeyWithValue("scope", "read")))
	})

	It("expires them on the virtual clock and revokes them, for the API and introspection alike", func() {
		access := h.accessToken("read")
		h.Advance(5 * time.Minute)
		h.bearer("GET", "/api/items", access).Status(http.StatusUnauthorized).Header("WWW-Authenticate").Contains(`error="invalid_token"`)
		Expect(h.Journal().Entries(0)[len(h.Journal().Entries(0))-1].Reason).To(Equal(journal.TokenExpired))
		Expect(introspect(access)).To(Equal(map[string]any{"active": false}))

		fresh := h.accessToken("read")
		Expect(h.Do(fault.RevokeAccessTokens, "")).To(Succeed())
		h.bearer("GET", "/api/items", fresh).Status(http.StatusUnauthorized)
		Expect(introspect(fresh)).To(Equal(map[string]any{"active": false}))
	})

	It("refuses an opaque token it never issued, naming that", func() {
		h.bearer("GET", "/api/items", "at_0123456789abcdef").Status(http.StatusUnauthorized).
			JSON().Object().HasValue("reason", string(journal.UnknownOpaqueToken))
	})

	It("works with golang.org/x/oauth2, which never looks inside a token", func() {
		cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, TokenURL: h.URL() + "/oauth/token", Scopes: []string{"read"}}
		resp, err := cfg.Client(context.Background()).Get(h.URL() + "/api/items")
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
	})

	It("is refused in a config file with another value, naming the field", func() {
		_, err := config.Parse("lab.yaml", []byte("token_format: paseto\n"))
		Expect(err).To(MatchError(And(ContainSubstring("lab.yaml line 1"), ContainSubstring("token_format"), ContainSubstring("valid: jwt, opaque"))))
	})
})

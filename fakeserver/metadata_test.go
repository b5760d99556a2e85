package fakeserver_test

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/oauth2"

	"github.com/authchaos/authchaos/fakeserver/fault"
)

var _ = Describe("Discovery for OAuth 2.1 clients", func() {
	var h *harness
	BeforeEach(func() { h = serve() })

	It("publishes RFC 8414 metadata that agrees with OpenID Connect discovery, introspection and userinfo included", func() {
		as := h.e.GET("/.well-known/oauth-authorization-server").Expect().Status(http.StatusOK).JSON().Object()
		as.HasValue("issuer", h.URL()).HasValue("introspection_endpoint", h.URL()+"/oauth/introspect").
			HasValue("authorization_response_iss_parameter_supported", true)
		oidcDoc := h.e.GET("/.well-known/openid-configuration").Expect().Status(http.StatusOK).JSON().Object()
		oidcDoc.HasValue("token_endpoint", as.Value("token_endpoint").Raw()).HasValue("userinfo_endpoint", h.URL()+"/userinfo")
	})

	It("names RFC 9728 resource metadata in the API's Bearer challenges, and the metadata names the authorization server", func() {
		ch := h.e.GET("/api/items").Expect().Status(http.StatusUnauthorized).Header("WWW-Authenticate").Raw()
		Expect(ch).To(ContainSubstring(`resource_metadata="` + h.URL() + `/.well-known/oauth-protected-resource/api/"`))
		rm := h.e.GET("/.well-known/oauth-protected-resource/api/").Expect().Status(http.StatusOK).JSON().Object()
		// The root form answers the same, for clients that look there.
		h.e.GET("/.well-known/oauth-protected-resource").Expect().Status(http.StatusOK).JSON().Object().HasValue("resource", h.URL()+"/api/")
		rm.HasValue("resource", h.URL()+"/api/")
		rm.Value("authorization_servers").Array().ContainsOnly(h.URL())
		challengeOf(h.bearer("GET", "/api/items", "not-a-jwt"), "Bearer", "malformed_token")
	})

	It("puts iss on authorization responses (RFC 9207)", func() {
		loc := h.e.GET("/oauth/authorize").WithQuery("response_type", "code").WithQuery("client_id", clientID).
			WithQuery("redirect_uri", redirectURI).Expect().Status(http.StatusFound).Header("Location").Raw()
		u, err := url.Parse(loc)
		Expect(err).NotTo(HaveOccurred())
		Expect(u.Query().Get("iss")).To(Equal(h.URL()))
	})
})

var _ = Describe("Token introspection (RFC 7662)", func() {
	var h *harness
	BeforeEach(func() { h = serve() })
	introspect := func(token string) map[string]any {
		GinkgoHelper()
		return h.e.POST("/oauth/introspect").WithBasicAuth(clientID, clientSecret).WithFormField("token", token).
			Expect().Status(http.StatusOK).JSON().Object().Raw()
	}

	It("says active with the token's claims, and inactive once revoked or expired on the virtual clock", func() {
		obj := h.passwordToken("alice", "wonderland", "read")
		access, refresh := obj.Value("access_token").String().Raw(), obj.Value("refresh_token").String().Raw()
		Expect(introspect(access)).To(And(HaveKeyWithValue("active", true), HaveKeyWithValue("sub", "alice"),
			HaveKeyWithValue("client_id", clientID), HaveKeyWithValue("scope", "read")))
		Expect(introspect(refresh)).To(And(HaveKeyWithValue("active", true), HaveKeyWithValue("token_type", "refresh_token")))

		h.Advance(5 * time.Minute)
		Expect(introspect(access)).To(Equal(map[string]any{"active": false}), "expired at exp on the virtual clock")

		fresh := h.accessToken("read")
		Expect(h.Do(fault.RevokeAccessTokens, "")).To(Succeed())
		Expect(introspect(fresh)).To(Equal(map[string]any{"active": false}), "revoked")
		Expect(introspect("garbage")).To(Equal(map[string]any{"active": false}))
	})

	It("refuses a caller that does not authenticate as a client", func() {
		h.e.POST("/oauth/introspect").WithFormField("token", "x").Expect().Status(http.StatusUnauthorized).
			Header("WWW-Authenticate").HasPrefix("Basic ")
	})
})

var _ = Describe("Userinfo with coreos/go-oidc", func() {
	It("answers go-oidc's UserInfo for a token with openid, and refuses others with a proper challenge", func() {
		h := serve()
		ctx := context.Background()
		provider, err := oidc.NewProvider(ctx, h.URL())
		Expect(err).NotTo(HaveOccurred())
		token := h.accessToken("openid read")
		info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token, TokenType: "Bearer"}))
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Subject).To(Equal("alice"))

		r := h.bearer("GET", "/userinfo", h.accessToken("read")).Status(http.StatusForbidden)
		r.Header("WWW-Authenticate").Contains(`error="insufficient_scope"`).Contains(`scope="openid"`)
		challengeOf(h.e.GET("/userinfo").Expect(), "Bearer", "missing_credentials")
	})
})

var _ = Describe("Resource indicators (RFC 8707)", func() {
	var h *harness
	BeforeEach(func() { h = serve() })
	tokenFor := func(resources ...string) *httpexpect.Response {
		req := h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithFormField("grant_type", "password").WithFormField("username", "alice").WithFormField("password", "wonderland").WithFormField("scope", "read")
		for _, res := range resources {
			req = req.WithFormField("resource", res)
		}
		return req.Expect()
	}

	It("issues a token for the resources asked for, which the API accepts only when it is one of them", func() {
		api := h.URL() + "/api/"
		ok := tokenFor(api, "https://reports.example/").Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("GET", "/api/items", ok).Status(http.StatusOK)

		other := tokenFor("https://reports.example/").Status(http.StatusOK).JSON().Object()
		r := challengeOf(h.bearer("GET", "/api/items", other.Value("access_token").String().Raw()), "Bearer", "audience_mismatch")
		r.Value("hint").String().Contains("resource=" + api)

		// A refresh may narrow the audience to the API, never widen it.
		rt := other.Value("refresh_token").String().Raw()
		h.token(map[string]string{"grant_type": "refresh_token", "refresh_token": rt, "resource": api}).
			Status(http.StatusBadRequest).JSON().Object().HasValue("error", "invalid_target")
	})

	It("refuses a resource that is not an absolute URI without a fragment", func() {
		tokenFor("reports").Status(http.StatusBadRequest).JSON().Object().HasValue("error", "invalid_target").HasValue("reason", "invalid_target")
		tokenFor("https://reports.example/#x").Status(http.StatusBadRequest)
	})

	It("keeps tokens without resource indicators working as before", func() {
		h.bearer("GET", "/api/items", h.accessToken("read")).Status(http.StatusOK)
	})
})

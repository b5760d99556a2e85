package fakeserver_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("The token endpoint (RFC 6749)", func() {
	var h *harness
	BeforeEach(func() { h = serve() })

	Describe("the client_credentials grant", func() {
		It("issues a Bearer token to a client that authenticates with HTTP Basic", func() {
			r := h.token(map[string]string{"grant_type": "client_credentials", "scope": "read"})
			r.Status(http.StatusOK)
			r.Header("Cache-Control").IsEqual("no-store")
			r.Header("Pragma").IsEqual("no-cache")
			body := r.JSON().Object()
			body.Value("token_type").IsEqual("Bearer")
			body.Value("expires_in").IsEqual(300)
			body.Value("scope").IsEqual("read")
			body.NotContainsKey("refresh_token")
			tok := body.Value("access_token").String().NotEmpty().Raw()
			Expect(jwtPart(tok, 1)).To(And(HaveKeyWithValue("sub", clientID), HaveKeyWithValue("client_id", clientID)))
			h.bearer("GET", "/api/items", tok).Status(http.StatusOK)
		})

		It("accepts client authentication as client_id and client_secret form fields", func() {
			h.e.POST("/oauth/token").WithFormField("grant_type", "client_credentials").
				WithFormField("client_id", clientID).WithFormField("client_secret", clientSecret).
				Expect().Status(http.StatusOK).JSON().Object().Value("access_token").String().NotEmpty()
		})

		It("refuses a client that authenticates by Basic and by form fields at once with 400 invalid_request", func() {
			h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
				WithFormField("grant_type", "client_credentials").WithFormField("client_secret", clientSecret).
				Expect().Status(http.StatusBadRequest).JSON().Object().
				HasValue("error", "invalid_request").HasValue("reason", "two_client_auth_methods")
		})

		It("answers an unknown client with 401 invalid_client and a Basic challenge", func() {
			r := h.e.POST("/oauth/token").WithBasicAuth("staging-client", "staging-secret").
				WithFormField("grant_type", "client_credentials").Expect()
			challengeOf(r, "Basic", "invalid_client").HasValue("error", "invalid_client")
			r.Header("WWW-Authenticate").Contains(`error="invalid_client"`)
		})

		It("answers an unknown client that authenticated by form fields with a challenge too (RFC 7235 §3.1)", func() {
			r := h.e.POST("/oauth/token").WithFormField("grant_type", "client_credentials").
				WithFormField("client_id", "staging-client").WithFormField("client_secret", "x").Expect()
			challengeOf(r, "Basic", "invalid_client")
		})

		It("answers a wrong client secret with 401 invalid_client that names the client, not the secret", func() {
			r := h.e.POST("/oauth/token").WithBasicAuth(clientID, "not-the-secret").
				WithFormField("grant_type", "client_credentials").Expect()
			body := challengeOf(r, "Basic", "invalid_client")
			body.Value("error_description").String().Contains(clientID).NotContains("not-the-secret")
		})

		It("answers a request without any client authentication with 401 missing_client_auth", func() {
			r := h.e.POST("/oauth/token").WithFormField("grant_type", "client_credentials").Expect()
			challengeOf(r, "Basic", "missing_client_auth")
		})

		It("narrows the requested scope to what the client may have", func() {
			h.token(map[string]string{"grant_type": "client_credentials", "scope": "read delete"}).
				Status(http.StatusOK).JSON().Object().HasValue("scope", "read")
		})
	})

	Describe("the password grant", func() {
		It("issues an access token and a refresh token for the user", func() {
			body := h.passwordToken("alice", "wonderland", "read")
			body.Value("refresh_token").String().HasPrefix("rt_")
			Expect(jwtPart(body.Value("access_token").String().Raw(), 1)).To(And(
				HaveKeyWithValue("sub", "alice"), HaveKeyWithValue("scope", "read"),
				HaveKeyWithValue("iss", h.URL()), HaveKeyWithValue("aud", clientID)))
		})

		It("narrows the scope to what both the user and the client are allowed", func() {
			h.passwordToken("alice", "wonderland", "read write admin").HasValue("scope", "read write")
			h.passwordToken("bob", "builder", "read write").HasValue("scope", "read")
			h.passwordToken("alice", "wonderland", "").HasValue("scope", "read write")
		})

		It("answers a wrong password with 400 invalid_grant and no-store", func() {
			r := h.token(map[string]string{"grant_type": "password", "username": "alice", "password": "guess"})
			r.Status(http.StatusBadRequest).Header("Cache-Control").IsEqual("no-store")
			r.JSON().Object().HasValue("error", "invalid_grant").HasValue("reason", "wrong_password")
		})
	})

	Describe("the refresh_token grant", func() {
		It("issues a new access token for the same user and keeps the refresh token when rotation is off", func() {
			first := h.passwordToken("alice", "wonderland", "read write")
			rt := first.Value("refresh_token").String().Raw()
			h.Advance(6 * time.Minute)
			h.bearer("GET", "/api/me", first.Value("access_token").String().Raw()).Status(http.StatusUnauthorized)
			next := h.token(map[string]string{"grant_type": "refresh_token", "refresh_token": rt}).Status(http.StatusOK).JSON().Object()
			next.HasValue("scope", "read write").HasValue("refresh_token", rt)
			h.bearer("GET", "/api/me", next.Value("access_token").String().Raw()).Status(http.StatusOK)
		})

		It("narrows the scope on request but never widens it", func() {
			rt := h.passwordToken("alice", "wonderland", "read").Value("refresh_token").String().Raw()
			h.token(map[string]string{"grant_type": "refresh_token", "refresh_token": rt, "scope": "read"}).
				Status(http.StatusOK).JSON().Object().HasValue("scope", "read")
			h.token(map[string]string{"grant_type": "refresh_token", "refresh_token": rt, "scope": "read write"}).
				Status(http.StatusBadRequest).JSON().Object().HasValue("error", "invalid_scope")
		})

		It("answers an unknown refresh token with invalid_grant", func() {
			h.token(map[string]string{"grant_type": "refresh_token", "refresh_token": "rt_made_up"}).
				Status(http.StatusBadRequest).JSON().Object().HasValue("error", "invalid_grant").HasValue("reason", "refresh_token_unknown")
		})

		It("answers an expired refresh token with invalid_grant", func() {
			rt := h.passwordToken("alice", "wonderland", "read").Value("refresh_token").String().Raw()
			h.Advance(25 * time.Hour)
			h.token(map[string]string{"grant_type": "refresh_token", "refresh_token": rt}).
				Status(http.StatusBadRequest).JSON().Object().HasValue("reason", "refresh_token_expired")
		})
	})

	It("answers an unsupported grant type with unsupported_grant_type, listing the valid ones", func() {
		h.token(map[string]string{"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange"}).
			Status(http.StatusBadRequest).JSON().Object().HasValue("error", "unsupported_grant_type").
			Value("error_description").String().Contains("client_credentials")
	})

	It("answers a missing grant type with invalid_request", func() {
		h.token(map[string]string{"scope": "read"}).Status(http.StatusBadRequest).
			JSON().Object().HasValue("error", "invalid_request").HasValue("reason", "missing_grant_type")
	})

	It("refuses a body that is not application/x-www-form-urlencoded", func() {
		h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithJSON(map[string]string{"grant_type": "client_credentials"}).
			Expect().Status(http.StatusBadRequest).JSON().Object().
			HasValue("error", "invalid_request").HasValue("reason", "bad_content_type")
	})
})

// pkce is an RFC 7636 verifier and its S256 challenge.
func pkce(verifier string) (string, string) {
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

var _ = Describe("The authorization code grant with PKCE S256 (RFC 7636)", func() {
	var (
		h                   *harness
		verifier, challenge string
	)
	BeforeEach(func() {
		h = serve()
		verifier, challenge = pkce("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
	})

	authorize := func(extra map[string]string) *url.URL {
		GinkgoHelper()
		q := map[string]string{"response_type": "code", "client_id": clientID, "redirect_uri": redirectURI,
			"scope": "openid read", "state": "xyz-123", "code_challenge": challenge, "code_challenge_method": "S256"}
		for k, v := range extra {
			q[k] = v
		}
		req := h.e.GET("/oauth/authorize")
		for k, v := range q {
			if v != "" {
				req = req.WithQuery(k, v)
			}
		}
		loc := req.Expect().Status(http.StatusFound).Header("Location").Raw()
		u, err := url.Parse(loc)
		Expect(err).NotTo(HaveOccurred())
		return u
	}
	exchange := func(code, verifier string) *httpexpect.Response {
		return h.token(map[string]string{"grant_type": "authorization_code", "code": code,
			"redirect_uri": redirectURI, "code_verifier": verifier})
	}

	It("redirects back to the registered URI with a code and the state", func() {
		u := authorize(nil)
		Expect(u.Scheme + "://" + u.Host + u.Path).To(Equal(redirectURI))
		Expect(u.Query().Get("state")).To(Equal("xyz-123"))
		Expect(u.Query().Get("code")).NotTo(BeEmpty())
	})

	It("exchanges the code and the right verifier for tokens, with an id_token for openid", func() {
		code := authorize(nil).Query().Get("code")
		body := exchange(code, verifier).Status(http.StatusOK).JSON().Object()
		body.Value("refresh_token").String().NotEmpty()
		Expect(jwtPart(body.Value("id_token").String().Raw(), 1)).To(And(
			HaveKeyWithValue("sub", "alice"), HaveKeyWithValue("aud", clientID)))
		h.bearer("GET", "/api/items", body.Value("access_token").String().Raw()).Status(http.StatusOK)
	})

	It("approves for the user named in login_hint", func() {
		code := authorize(map[string]string{"login_hint": "bob"}).Query().Get("code")
		tok := exchange(code, verifier).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		Expect(jwtPart(tok, 1)).To(HaveKeyWithValue("sub", "bob"))
	})

	It("answers a wrong verifier with invalid_grant", func() {
		code := authorize(nil).Query().Get("code")
		exchange(code, "a-verifier-an-attacker-guessed-0000000000000").Status(http.StatusBadRequest).
			JSON().Object().HasValue("error", "invalid_grant").HasValue("reason", "pkce_mismatch")
	})

	It("answers a reused code with invalid_grant", func() {
		code := authorize(nil).Query().Get("code")
		exchange(code, verifier).Status(http.StatusOK)
		exchange(code, verifier).Status(http.StatusBadRequest).JSON().Object().HasValue("error", "invalid_grant")
	})

	It("answers a code used after its minute with invalid_grant", func() {
		code := authorize(nil).Query().Get("code")
		h.Advance(2 * time.Minute)
		exchange(code, verifier).Status(http.StatusBadRequest).JSON().Object().HasValue("reason", "code_expired")
	})

	It("refuses a code_verifier for a code issued without a challenge (PKCE downgrade, RFC 9700 §4.8.2)", func() {
		code := authorize(map[string]string{"code_challenge": "", "code_challenge_method": ""}).Query().Get("code")
		exchange(code, verifier).Status(http.StatusBadRequest).JSON().Object().HasValue("error", "invalid_grant")
	})

	It("redirects a plain code_challenge_method back with invalid_request", func() {
		u := authorize(map[string]string{"code_challenge_method": "plain"})
		Expect(u.Query().Get("error")).To(Equal("invalid_request"))
		Expect(u.Query().Get("code")).To(BeEmpty())
	})

	It("never redirects to an unregistered redirect URI", func() {
		r := h.e.GET("/oauth/authorize").WithQuery("response_type", "code").WithQuery("client_id", clientID).
			WithQuery("redirect_uri", "https://evil.example/callback").Expect()
		r.Status(http.StatusBadRequest).Header("Location").IsEmpty()
		r.JSON().Object().HasValue("reason", "redirect_uri_mismatch").Value("error_description").String().Contains(redirectURI)
	})
})

var _ = Describe("Token revocation (RFC 7009)", func() {
	var h *harness
	BeforeEach(func() { h = serve() })

	revoke := func(token string) {
		GinkgoHelper()
		h.e.POST("/oauth/revoke").WithBasicAuth(clientID, clientSecret).WithFormField("token", token).
			Expect().Status(http.StatusOK)
	}

	It("answers 200 for a token it never issued, so callers learn nothing", func() {
		revoke("never-issued")
		revoke("a.b.c")
	})

	It("ends a refresh token's grant: the refresh then gets invalid_grant", func() {
		rt := h.passwordToken("alice", "wonderland", "read").Value("refresh_token").String().Raw()
		revoke(rt)
		h.token(map[string]string{"grant_type": "refresh_token", "refresh_token": rt}).
			Status(http.StatusBadRequest).JSON().Object().HasValue("error", "invalid_grant").HasValue("reason", "refresh_token_revoked")
	})

	It("revokes an access token: the API then answers 401 token_revoked", func() {
		tok := h.accessToken("read")
		h.bearer("GET", "/api/me", tok).Status(http.StatusOK)
		revoke(tok)
		r := h.bearer("GET", "/api/me", tok)
		challengeOf(r, "Bearer", "token_revoked")
		r.Header("WWW-Authenticate").Contains(`error="invalid_token"`)
	})

	It("demands client authentication", func() {
		r := h.e.POST("/oauth/revoke").WithBasicAuth(clientID, "wrong").WithFormField("token", "x").Expect()
		challengeOf(r, "Basic", "invalid_client")
	})
})

var _ = Describe("Discovery and JWKS", func() {
	var h *harness
	BeforeEach(func() { h = serve() })

	It("announces the endpoints, grants and algorithms in the discovery document", func() {
		d := h.e.GET("/.well-known/openid-configuration").Expect().Status(http.StatusOK).JSON().Object()
		d.HasValue("issuer", h.URL()).
			HasValue("token_endpoint", h.URL()+"/oauth/token").
			HasValue("authorization_endpoint", h.URL()+"/oauth/authorize").
			HasValue("revocation_endpoint", h.URL()+"/oauth/revoke").
			HasValue("jwks_uri", h.URL()+"/jwks")
		d.Value("grant_types_supported").Array().ContainsAll("authorization_code", "client_credentials", "password", "refresh_token")
		d.Value("code_challenge_methods_supported").Array().ContainsOnly("S256")
		d.Value("id_token_signing_alg_values_supported").Array().ContainsOnly("ES256")
		d.Value("token_endpoint_auth_methods_supported").Array().ContainsAll("client_secret_basic", "client_secret_post")
		d.Value("scopes_supported").Array().ContainsAll("openid", "read")
	})

	It("publishes the signing key in /jwks with a kid and alg ES256, and no private part", func() {
		keys := h.e.GET("/jwks").Expect().Status(http.StatusOK).JSON().Object().Value("keys").Array()
		keys.Length().IsEqual(1)
		key := keys.Value(0).Object()
		key.HasValue("alg", "ES256").HasValue("kty", "EC").HasValue("crv", "P-256").HasValue("use", "sig").NotContainsKey("d")
		kid := key.Value("kid").String().NotEmpty().Raw()
		Expect(jwtPart(h.accessToken("read"), 0)).To(And(HaveKeyWithValue("kid", kid), HaveKeyWithValue("alg", "ES256")))
	})
})

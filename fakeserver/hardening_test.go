package fakeserver_test

import (
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/specserver"
)

// Edge cases of the RFCs and of hostile or unusual input, each pinned
// down after a review found the server getting it wrong.

var _ = Describe("Token lifetimes (RFC 7519 §4.1.4)", func() {
	It("refuses an access token at the very second of its exp, as refresh tokens and sessions are refused at theirs", func() {
		h := serve()
		tok := h.accessToken("read")
		h.Advance(5*time.Minute - time.Second)
		h.bearer("GET", "/api/me", tok).Status(http.StatusOK)
		h.Advance(time.Second)
		challengeOf(h.bearer("GET", "/api/me", tok), "Bearer", "token_expired")
	})
})

var _ = Describe("WWW-Authenticate parameters", func() {
	It("keep error_description within RFC 6750 §3's characters, while the body keeps the exact text", func() {
		h := serve()
		// alice's token with scope write only: /api/items needs read.
		r := h.bearer("GET", "/api/items", h.accessToken("write")).Status(http.StatusForbidden)
		header := r.Header("WWW-Authenticate").Raw()
		Expect(header).To(ContainSubstring(`error="insufficient_scope"`))
		Expect(header).To(ContainSubstring(`the credential has 'write'`))
		Expect(strings.Count(header, `"`) % 2).To(BeZero())
		Expect(header).NotTo(ContainSubstring(`\`))
		r.JSON().Object().Value("error_description").String().Contains(`the credential has "write"`)
	})

	It("offer a challenge for every accepted scheme when the credential is of another one", func() {
		h := serve(func(cfg *config.File) {
			cfg.Routes = append(cfg.Routes, config.Route{Path: "/api/machines", Methods: []string{"GET"}, Schemes: []string{"Bearer", "ApiKey"}})
		})
		r := h.withAuth("/api/machines", basic("alice", "wonderland"))
		challengeOf(r, "Bearer", "wrong_scheme")
		Expect(r.Raw().Header.Values("WWW-Authenticate")).To(ConsistOf(
			HavePrefix(`Bearer realm="authchaos"`), `ApiKey realm="authchaos"`))
	})
})

var _ = Describe("Token revocation by the wrong client (RFC 7009 §2.1)", func() {
	var h *harness
	BeforeEach(func() {
		h = serve(func(cfg *config.File) {
			cfg.Clients = append(cfg.Clients, config.Client{ID: "other-client", Secret: "other-secret", Scopes: []string{"read"}})
		})
	})

	revokeAs := func(id, secret, token string) *httpexpect.Response {
		return h.e.POST("/oauth/revoke").WithBasicAuth(id, secret).WithFormField("token", token).Expect()
	}

	It("refuses to revoke another client's access token, which keeps working", func() {
		tok := h.accessToken("read")
		revokeAs("other-client", "other-secret", tok).Status(http.StatusBadRequest).JSON().Object().
			HasValue("error", "unauthorized_client").HasValue("reason", "token_client_mismatch")
		h.bearer("GET", "/api/me", tok).Status(http.StatusOK)
		revokeAs(clientID, clientSecret, tok).Status(http.StatusOK)
		challengeOf(h.bearer("GET", "/api/me", tok), "Bearer", "token_revoked")
	})

	It("refuses to revoke another client's refresh token, which keeps working", func() {
		rt := h.passwordToken("alice", "wonderland", "read").Value("refresh_token").String().Raw()
		revokeAs("other-client", "other-secret", rt).Status(http.StatusBadRequest).JSON().Object().
			HasValue("error", "unauthorized_client")
		h.token(map[string]string{"grant_type": "refresh_token", "refresh_token": rt}).Status(http.StatusOK)
	})
})

var _ = Describe("Revocations across scenario switches", func() {
	It("keep a revoked access token revoked when a scenario is activated", func() {
		h := serve()
		tok := h.accessToken("read")
		h.e.POST("/oauth/revoke").WithBasicAuth(clientID, clientSecret).WithFormField("token", tok).Expect().Status(http.StatusOK)
		h.admin("PUT", "scenario", map[string]string{"id": "expired-token"}).Status(http.StatusOK)
		challengeOf(h.bearer("GET", "/api/me", tok), "Bearer", "token_revoked")
		h.admin("POST", "reset", nil).Status(http.StatusOK)
		challengeOf(h.bearer("GET", "/api/me", tok), "Bearer", "token_revoked")
	})

	It("let revoked-token revoke a token issued before it was activated", func() {
		h := serve()
		tok := h.accessToken("read")
		h.admin("PUT", "scenario", map[string]string{"id": "revoked-token"}).Status(http.StatusOK)
		h.bearer("GET", "/api/items", tok).Status(http.StatusOK)
		challengeOf(h.bearer("GET", "/api/items", tok), "Bearer", "token_revoked")
	})
})

var _ = Describe("Basic credentials where logins need a one-time code", func() {
	It("are refused with mfa_required: Basic cannot carry the code, and must not be the way around it", func() {
		h := serve()
		Expect(h.Activate([]string{"mfa-required"})).To(Succeed())
		body := challengeOf(h.withAuth("/api/me", basic("alice", "wonderland")), "Basic", "mfa_required")
		body.Value("hint").String().Contains("otp")
		Expect(h.Journal().Entries(0)).To(ContainElement(HaveField("Reason", journal.MFARequired)))
	})
})

var _ = Describe("A configuration without users", func() {
	var h *harness
	BeforeEach(func() {
		h = serve(func(cfg *config.File) {
			cfg.Users, cfg.APIKeys = nil, nil
			cfg.Scenarios = []config.Scenario{{ID: "password-changed"}}
		})
	})

	It("keeps answering after a scenario's password change finds no user to change", func() {
		tok := h.token(map[string]string{"grant_type": "client_credentials"}).Status(http.StatusOK).
			JSON().Object().Value("access_token").String().Raw()
		h.bearer("GET", "/api/me", tok).Status(http.StatusOK) // the trigger fires here
		h.bearer("GET", "/api/me", tok).Status(http.StatusOK)
	})

	It("sends an authorization request back with access_denied, and has no one-time code to show", func() {
		loc := h.e.GET("/oauth/authorize").WithQuery("response_type", "code").WithQuery("client_id", clientID).
			WithQuery("redirect_uri", redirectURI).WithQuery("state", "s1").
			Expect().Status(http.StatusFound).Header("Location").Raw()
		u, err := url.Parse(loc)
		Expect(err).NotTo(HaveOccurred())
		Expect(u.Query().Get("error")).To(Equal("access_denied"))
		Expect(u.Query().Get("state")).To(Equal("s1"))
		h.admin("GET", "otp", nil).Status(http.StatusNotFound)
	})
})

var _ = Describe("The admin API's guards", func() {
	var h *harness
	BeforeEach(func() { h = serve() })

	It("refuses a change from another origin, which a web page the operator has open could send", func() {
		h.e.POST("/__admin/actions").WithHeader("Origin", "http://evil.example").WithHeader("Content-Type", "text/plain").
			WithText(`{"action": "revoke-api-key"}`).Expect().Status(http.StatusForbidden).
			JSON().Object().Value("error").String().Contains("another origin")
		h.withAuth("/api/me", "ApiKey "+apiKey).Status(http.StatusOK)
		h.e.POST("/__admin/reset").WithHeader("Origin", "null").Expect().Status(http.StatusForbidden)
	})

	It("accepts changes from its own origin (the live view) and from tools that send no Origin", func() {
		h.e.POST("/__admin/clock").WithHeader("Origin", h.URL()).WithJSON(map[string]string{"advance": "1s"}).
			Expect().Status(http.StatusOK)
		h.admin("POST", "clock", map[string]string{"advance": "1s"}).Status(http.StatusOK)
		h.e.GET("/__admin/journal").WithHeader("Origin", "http://evil.example").Expect().Status(http.StatusOK)
	})

	It("refuses to move the clock further than its offset can hold, instead of wrapping centuries back", func() {
		before := h.admin("POST", "clock", map[string]string{"advance": "2000000h"}).Status(http.StatusOK).
			JSON().Object().Value("now").String().AsDateTime(time.RFC3339Nano).Raw()
		h.admin("POST", "clock", map[string]string{"advance": "2000000h"}).Status(http.StatusBadRequest).
			JSON().Object().Value("error").String().Contains("more than the clock can still move")
		Expect(h.Clock().Now()).To(BeTemporally("~", before, time.Second))
	})
})

var _ = Describe("The journal's Location", func() {
	It("fingerprints an authorization code instead of recording it (RFC 6749 §10.5)", func() {
		h := serve()
		loc := h.e.GET("/oauth/authorize").WithQuery("response_type", "code").WithQuery("client_id", clientID).
			WithQuery("redirect_uri", redirectURI).WithQuery("state", "s1").
			Expect().Status(http.StatusFound).Header("Location").Raw()
		u, err := url.Parse(loc)
		Expect(err).NotTo(HaveOccurred())
		code := u.Query().Get("code")
		Expect(code).NotTo(BeEmpty())
		Expect(h.journalJSON()).NotTo(ContainSubstring(code))
		Expect(h.Journal().Entries(0)).To(ContainElement(And(
			HaveField("Path", "/oauth/authorize"),
			HaveField("Location", And(HavePrefix(redirectURI+"?"), ContainSubstring("code=hmac-sha256%3A"), ContainSubstring("state=s1"))))))
	})
})

var _ = Describe("The admin API under DNS rebinding", func() {
	It("refuses reads and changes addressed to a host it does not serve, even with a matching Origin", func() {
		h := serve()
		for _, call := range []*httpexpect.Request{
			h.e.GET("/__admin/scenario"),
			h.e.GET("/__admin/otp"),
			h.e.PUT("/__admin/scenario").WithJSON(map[string]string{"id": "waf-block"}),
			h.e.POST("/__admin/reset"),
		} {
			r := call.WithHost("evil.example:8401").WithHeader("Origin", "http://evil.example:8401").Expect().Status(http.StatusForbidden)
			r.JSON().Object().Value("error").String().Contains(`host "evil.example" are refused`).Contains("DNS rebinding").Contains("--admin-host")
		}
		Expect(h.Active()).To(BeEmpty())
		h.e.GET("/__admin/scenario").WithHost("localhost:8401").Expect().Status(http.StatusOK)
		h.e.GET("/__admin/scenario").WithHost("[::1]:8401").Expect().Status(http.StatusOK)
	})

	It("answers at the names it is told it serves", func() {
		h := serveWith(fakeserver.WithAdminHosts("authchaos.internal"))
		h.e.GET("/__admin/scenario").WithHost("authchaos.internal:8401").Expect().Status(http.StatusOK)
	})
})

var _ = Describe("The review's low findings", func() {
	var h *harness
	BeforeEach(func() { h = serve() })

	authorize := func(extra ...string) *httpexpect.Request {
		req := h.e.GET("/oauth/authorize").WithQuery("response_type", "code").WithQuery("client_id", clientID).
			WithQuery("redirect_uri", redirectURI).WithQuery("state", "s1")
		for i := 0; i+1 < len(extra); i += 2 {
			req = req.WithQuery(extra[i], extra[i+1])
		}
		return req
	}
	codeOf := func(r *httpexpect.Response) string {
		u, err := url.Parse(r.Header("Location").Raw())
		Expect(err).NotTo(HaveOccurred())
		return u.Query().Get("code")
	}

	It("marks JSON answers nosniff and keeps the live view out of frames", func() {
		h.e.GET("/jwks").Expect().Header("X-Content-Type-Options").IsEqual("nosniff")
		ui := h.e.GET("/__admin/ui").Expect().Status(http.StatusOK)
		ui.Header("Content-Security-Policy").Contains("frame-ancestors 'none'")
		ui.Header("X-Frame-Options").IsEqual("DENY")
	})

	It("answers a wrong method on a known endpoint with 405 and Allow, not 404", func() {
		r := h.e.GET("/oauth/token").Expect().Status(http.StatusMethodNotAllowed)
		r.Header("Allow").IsEqual("POST")
		r.JSON().Object().HasValue("reason", "method_not_allowed")
		h.e.PUT("/oauth/authorize").Expect().Status(http.StatusMethodNotAllowed).Header("Allow").IsEqual("GET")
	})

	It("refuses a parameter sent twice (RFC 6749 §3.1, §3.2), before any redirect", func() {
		h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithFormField("grant_type", "client_credentials").WithFormField("grant_type", "password").
			Expect().Status(http.StatusBadRequest).JSON().Object().HasValue("reason", "duplicate_parameter").
			Value("error_description").String().Contains("grant_type")
		authorize("redirect_uri", "http://evil.example/cb").Expect().Status(http.StatusBadRequest).
			JSON().Object().HasValue("reason", "duplicate_parameter")
	})

	It("checks PKCE's formats (RFC 7636 §4.1, §4.2)", func() {
		r := authorize("code_challenge", "short", "code_challenge_method", "S256").Expect().Status(http.StatusFound)
		Expect(r.Header("Location").Raw()).To(ContainSubstring("error=invalid_request"))
		es := h.Journal().Entries(0)
		Expect(es[len(es)-1]).To(HaveField("Reason", journal.PKCEFormat))

		verifier := strings.Repeat("v", 43)
		sum := sha256.Sum256([]byte(verifier))
		challenge := base64.RawURLEncoding.EncodeToString(sum[:])
		code := codeOf(authorize("code_challenge", challenge, "code_challenge_method", "S256").Expect().Status(http.StatusFound))
		h.token(map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI, "code_verifier": "tooshort"}).
			Status(http.StatusBadRequest).JSON().Object().HasValue("reason", "pkce_format")
	})

	It("revokes what a code was exchanged for when the code comes back (RFC 6749 §4.1.2)", func() {
		code := codeOf(authorize("scope", "read").Expect().Status(http.StatusFound))
		grant := map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI}
		obj := h.token(grant).Status(http.StatusOK).JSON().Object()
		access, refresh := obj.Value("access_token").String().Raw(), obj.Value("refresh_token").String().Raw()
		h.bearer("GET", "/api/me", access).Status(http.StatusOK)

		h.token(grant).Status(http.StatusBadRequest).JSON().Object().HasValue("reason", "code_reused")
		challengeOf(h.bearer("GET", "/api/me", access), "Bearer", "token_revoked")
		h.token(map[string]string{"grant_type": "refresh_token", "refresh_token": refresh}).
			Status(http.StatusBadRequest).JSON().Object().HasValue("reason", "refresh_token_revoked")
	})

	It("does not echo an unknown client id, which may be a secret pasted into the wrong field", func() {
		const pasted = "s3cr3t-pasted-as-the-client-id-0123456789"
		r := h.e.POST("/oauth/token").WithBasicAuth(pasted, "x").WithFormField("grant_type", "client_credentials").
			Expect().Status(http.StatusUnauthorized)
		r.Body().NotContains(pasted).Contains(`\"s3cr…\" (41 characters)`)
		Expect(h.journalJSON()).NotTo(ContainSubstring(pasted))
	})

	It("refuses a login with a field twice, which parsers disagree on", func() {
		h.e.POST("/login").WithText(`{"username": "mallory", "password": "x", "username": "alice"}`).
			WithHeader("Content-Type", "application/json").Expect().Status(http.StatusBadRequest).
			JSON().Object().HasValue("reason", "bad_login_request").Value("hint").String().Contains(`"username" appears more than once`)
		h.e.POST("/login").WithFormField("username", "alice").WithFormField("username", "bob").WithFormField("password", "x").
			Expect().Status(http.StatusBadRequest)
	})
})

var _ = Describe("Signatures and issuer names an attacker could bend", func() {
	It("refuses the high-s twin of a real token's ES256 signature, which verifies mathematically", func() {
		h := serve()
		tok := h.accessToken("read")
		i := strings.LastIndexByte(tok, '.')
		sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
		Expect(err).NotTo(HaveOccurred())
		n := elliptic.P256().Params().N
		sv := new(big.Int).SetBytes(sig[32:])
		Expect(sv.Cmp(new(big.Int).Rsh(n, 1))).To(BeNumerically("<=", 0), "the server signs low-s")
		new(big.Int).Sub(n, sv).FillBytes(sig[32:])
		twin := tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
		h.bearer("GET", "/api/me", tok).Status(http.StatusOK)
		r := challengeOf(h.bearer("GET", "/api/me", twin), "Bearer", "bad_signature")
		r.Value("error_description").String().Contains("low-s")
	})

	It("names its own URL as issuer when a request claims another host", func() {
		s := fakeserver.MustNew()
		Expect(s.Start()).To(Succeed())
		DeferCleanup(s.Close)
		e := specserver.Expect(s.URL())
		e.GET("/.well-known/openid-configuration").WithHost("evil.example").Expect().
			JSON().Object().HasValue("issuer", s.URL())
		port := s.URL()[strings.LastIndexByte(s.URL(), ':')+1:]
		e.GET("/.well-known/openid-configuration").WithHost("localhost:"+port).Expect().
			JSON().Object().HasValue("issuer", "http://localhost:"+port)
	})
})

package fakeserver_test

import (
	"net/http"
	"strings"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/config"
)

var _ = Describe("Sessions", func() {
	var h *harness
	BeforeEach(func() { h = serve() })

	Describe("POST /login", func() {
		It("sets an HttpOnly, SameSite=Lax session cookie for the whole site from a JSON body", func() {
			r := h.e.POST("/login").WithJSON(map[string]string{"username": "alice", "password": "wonderland"}).Expect()
			r.Status(http.StatusOK).JSON().Object().HasValue("user", "alice").Value("expires_at").String().AsDateTime(time.RFC3339)
			ck, err := http.ParseSetCookie(r.Header("Set-Cookie").Raw())
			Expect(err).NotTo(HaveOccurred())
			Expect(ck.Name).To(Equal(sessionName))
			Expect(ck.HttpOnly).To(BeTrue(), "scripts must not read the session id")
			Expect(ck.SameSite).To(Equal(http.SameSiteLaxMode))
			Expect(ck.Path).To(Equal("/"))
			Expect(ck.Secure).To(BeFalse(), "the healthy server is plain HTTP: a Secure cookie would never come back")
			Expect(ck.MaxAge).To(Equal(int((30 * time.Minute).Seconds())))
		})

		It("accepts a form body too", func() {
			h.e.POST("/login").WithFormField("username", "bob").WithFormField("password", "builder").
				Expect().Status(http.StatusOK).Cookie(sessionName).Value().NotEmpty()
		})

		It("answers malformed JSON with 400 naming the byte offset", func() {
			h.e.POST("/login").WithText(`{"username": "alice",, "password": "x"}`).WithHeader("Content-Type", "application/json").
				Expect().Status(http.StatusBadRequest).JSON().Object().HasValue("reason", "bad_login_request").
				Value("hint").String().Contains("at byte 22")
		})

		It("answers an unknown field with 400 naming it and the valid ones", func() {
			h.e.POST("/login").WithJSON(map[string]string{"user": "alice", "password": "wonderland"}).
				Expect().Status(http.StatusBadRequest).JSON().Object().
				Value("hint").String().Contains(`unknown field "user"`).Contains("username, password, otp")
		})

		It("answers a body past 64 KiB, data after the object and deep nesting with 400", func() {
			h.e.POST("/login").WithJSON(map[string]string{"username": strings.Repeat("a", 70000)}).
				Expect().Status(http.StatusBadRequest).JSON().Object().Value("hint").String().Contains("larger than 65536 bytes")
			for _, body := range []string{`{"username":"alice","password":"wonderland"}}`, `{"username":"alice","password":"wonderland"} {}`} {
				h.e.POST("/login").WithText(body).WithHeader("Content-Type", "application/json").
					Expect().Status(http.StatusBadRequest).JSON().Object().Value("hint").String().Contains("data after the JSON object")
			}
			h.e.POST("/login").WithText(strings.Repeat("[", 10001)).WithHeader("Content-Type", "application/json").
				Expect().Status(http.StatusBadRequest)
		})

		It("answers another content type with 400 naming the two it takes", func() {
			h.e.POST("/login").WithText("alice:wonderland").Expect().Status(http.StatusBadRequest).
				JSON().Object().Value("hint").String().Contains("application/json").Contains("application/x-www-form-urlencoded")
		})

		It("answers a wrong password with a Session challenge and no cookie", func() {
			r := h.e.POST("/login").WithJSON(map[string]string{"username": "alice", "password": "guess"}).Expect()
			challengeOf(r, "Session", "wrong_password")
			r.Cookies().IsEmpty()
		})
	})

	It("lets the session cookie call the API until logout ends it", func() {
		id := h.login()
		h.e.GET("/api/me").WithCookie(sessionName, id).Expect().Status(http.StatusOK).
			JSON().Object().HasValue("user", "alice").HasValue("scheme", "Cookie")
		r := h.e.POST("/logout").WithCookie(sessionName, id).Expect().Status(http.StatusNoContent)
		ck, err := http.ParseSetCookie(r.Header("Set-Cookie").Raw())
		Expect(err).NotTo(HaveOccurred())
		Expect(ck.MaxAge).To(BeNumerically("<", 0), "logout tells the browser to drop the cookie")
		challengeOf(h.e.GET("/api/me").WithCookie(sessionName, id).Expect(), "Session", "session_unknown")
	})

	It("ends the session when its lifetime passes on the server's clock", func() {
		id := h.login()
		h.Advance(31 * time.Minute)
		challengeOf(h.e.GET("/api/me").WithCookie(sessionName, id).Expect(), "Session", "session_expired")
	})
})

var _ = Describe("The protected API", func() {
	var h *harness
	BeforeEach(func() {
		h = serve(func(cfg *config.File) {
			cfg.Routes = append(cfg.Routes, config.Route{Path: "/api/bearer-only", Methods: []string{"GET"}, Schemes: []string{"Bearer"}})
		})
	})

	It("accepts Basic credentials on /api/me", func() {
		h.withAuth("/api/me", basic("alice", "wonderland")).Status(http.StatusOK).
			JSON().Object().HasValue("user", "alice").HasValue("scheme", "Basic")
	})

	It("accepts an API key on /api/me", func() {
		h.withAuth("/api/me", "ApiKey "+apiKey).Status(http.StatusOK).
			JSON().Object().HasValue("user", "alice").HasValue("scheme", "ApiKey")
	})

	It("accepts a Bearer token on /api/items", func() {
		h.bearer("GET", "/api/items", h.accessToken("read")).Status(http.StatusOK).
			JSON().Object().Value("items").Array().Length().IsEqual(3)
	})

	It("answers a scheme the route does not take with wrong_scheme and a challenge for the one it does", func() {
		r := h.withAuth("/api/bearer-only", "ApiKey "+apiKey)
		challengeOf(r, "Bearer", "wrong_scheme").Value("accepted_schemes").Array().ContainsOnly("Bearer")
		h.bearer("GET", "/api/bearer-only", h.accessToken("read")).Status(http.StatusOK)
	})

	It("refuses a session id presented in the Authorization header: sessions travel in the cookie", func() {
		id := h.login()
		h.e.GET("/api/me").WithHeader("Authorization", "Cookie "+id).Expect().Status(http.StatusUnauthorized).
			JSON().Object().HasValue("reason", "wrong_scheme")
	})

	It("refuses an id_token presented as a bearer token", func() {
		idToken := h.passwordToken("alice", "wonderland", "openid read").Value("id_token").String().NotEmpty().Raw()
		challengeOf(h.bearer("GET", "/api/me", idToken), "Bearer", "id_token_as_access_token")
	})

	It("answers 403 insufficient_role on /api/admin for alice and 200 for bob, who has role admin", func() {
		r := h.withAuth("/api/admin", basic("alice", "wonderland"))
		r.Status(http.StatusForbidden).Header("WWW-Authenticate").IsEmpty()
		r.JSON().Object().HasValue("reason", "insufficient_role").Value("hint").String().Contains("admin")
		h.withAuth("/api/admin", basic("bob", "builder")).Status(http.StatusOK)
	})

	It("answers a token without the route's scope with 403 insufficient_scope and scope=", func() {
		r := h.bearer("POST", "/api/items", h.accessToken("read"))
		r.Status(http.StatusForbidden)
		r.Header("WWW-Authenticate").HasPrefix("Bearer ").Contains(`error="insufficient_scope"`).Contains(`scope="write"`)
		r.JSON().Object().HasValue("reason", "insufficient_scope").HasValue("scope", "write")
		h.bearer("POST", "/api/items", h.accessToken("read write")).Status(http.StatusCreated)
	})

	It("answers 405 with Allow for a method a route does not take", func() {
		h.e.DELETE("/api/items").Expect().Status(http.StatusMethodNotAllowed).Header("Allow").Contains("GET")
	})

	It("answers the public route without credentials", func() {
		h.e.GET("/api/public/status").Expect().Status(http.StatusOK)
	})

	It("lists one challenge per accepted scheme when no credential arrives", func() {
		r := h.e.GET("/api/items").Expect()
		challengeOf(r, "Bearer", "missing_credentials").Value("hint").String().Contains("Bearer").Contains("ApiKey")
		var schemes []string
		for _, v := range r.Raw().Header.Values("WWW-Authenticate") {
			Expect(v).To(ContainSubstring(`realm="authchaos"`))
			schemes = append(schemes, strings.Fields(v)[0])
		}
		Expect(schemes).To(ConsistOf("Bearer", "Basic", "ApiKey", "Session"))
		challengeOf(h.e.GET("/api/bearer-only").Expect(), "Bearer", "missing_credentials")
		Expect(h.e.GET("/api/bearer-only").Expect().Raw().Header.Values("WWW-Authenticate")).To(HaveLen(1))
	})

	DescribeTable("every 401 carries a challenge with the realm and a JSON body with a reason and a hint",
		func(scheme, reason string, call func(h *harness) *httpexpect.Response) {
			challengeOf(call(h), scheme, reason)
		},
		Entry("no credential", "Bearer", "missing_credentials",
			func(h *harness) *httpexpect.Response { return h.e.GET("/api/me").Expect() }),
		Entry("an expired token", "Bearer", "token_expired", func(h *harness) *httpexpect.Response {
			tok := h.accessToken("read")
			h.Advance(time.Hour)
			return h.bearer("GET", "/api/me", tok)
		}),
		Entry("a token from another server", "Bearer", "unknown_signing_key", func(h *harness) *httpexpect.Response {
			return h.bearer("GET", "/api/me", serve().accessToken("read"))
		}),
		Entry("a token that is not a JWT", "Bearer", "malformed_token",
			func(h *harness) *httpexpect.Response { return h.bearer("GET", "/api/me", "opaque-token") }),
		Entry("a wrong Basic password", "Basic", "wrong_password",
			func(h *harness) *httpexpect.Response { return h.withAuth("/api/me", basic("alice", "guess")) }),
		Entry("an unknown API key", "ApiKey", "invalid_api_key",
			func(h *harness) *httpexpect.Response { return h.withAuth("/api/me", "ApiKey ak_unknown") }),
		Entry("an unknown session", "Session", "session_unknown", func(h *harness) *httpexpect.Response {
			return h.e.GET("/api/me").WithCookie(sessionName, "s_unknown").Expect()
		}),
		Entry("an unknown scheme", "Bearer", "wrong_scheme",
			func(h *harness) *httpexpect.Response { return h.withAuth("/api/me", "Hawk id=alice") }),
		Entry("a malformed Basic header", "Basic", "malformed_credentials",
			func(h *harness) *httpexpect.Response { return h.withAuth("/api/me", "Basic !!!") }),
		Entry("a wrong login", "Session", "wrong_password", func(h *harness) *httpexpect.Response {
			return h.e.POST("/login").WithFormField("username", "mallory").WithFormField("password", "x").Expect()
		}),
		Entry("an unknown client at the token endpoint", "Basic", "invalid_client", func(h *harness) *httpexpect.Response {
			return h.e.POST("/oauth/token").WithFormField("grant_type", "client_credentials").
				WithFormField("client_id", "nobody").Expect()
		}),
		Entry("a malformed client Authorization at the token endpoint", "Basic", "malformed_client_auth", func(h *harness) *httpexpect.Response {
			return h.e.POST("/oauth/token").WithHeader("Authorization", "Bearer x").WithFormField("grant_type", "client_credentials").Expect()
		}),
	)
})

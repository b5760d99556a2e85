package fakeserver_test

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The contract's recovery kinds, spelled out: the contract is text, so the
// test is too.
var recoveryKinds = []string{"refresh", "relogin", "fail-fast", "backoff", "switch-scheme", "step-up", "no-leak", "nonce-retry", "discover", "poll"}

var _ = Describe("The admin API", func() {
	var h *harness
	BeforeEach(func() { h = serve() })

	Describe("GET /__admin/scenarios", func() {
		It("lists every scenario with the contract's fields, none active on a healthy server", func() {
			list := h.admin("GET", "scenarios", nil).Status(http.StatusOK).JSON().Array()
			list.NotEmpty()
			for _, v := range list.Iter() {
				sc := v.Object()
				sc.Value("id").String().NotEmpty()
				sc.Value("title").String().NotEmpty()
				sc.Value("category").String().NotEmpty()
				sc.Value("recovery").String().InList(recoveryKinds...)
				sc.Value("explain").Object().NotEmpty().Value("symptom").String().NotEmpty()
				sc.Value("sources").Array().NotEmpty()
				sc.HasValue("active", false)
			}
		})

		It("marks the active scenario", func() {
			Expect(h.Activate([]string{"expired-token"})).To(Succeed())
			list := h.admin("GET", "scenarios", nil).Status(http.StatusOK).JSON().Array()
			list.Filter(func(_ int, v *httpexpect.Value) bool { return v.Object().Value("active").Boolean().Raw() }).
				Length().IsEqual(1)
			list.Find(func(_ int, v *httpexpect.Value) bool { return v.Object().Value("id").String().Raw() == "expired-token" }).
				Object().HasValue("active", true)
		})
	})

	Describe("PUT /__admin/scenario", func() {
		It("activates a scenario by id, with parameters, and clears the journal", func() {
			h.e.GET("/api/me").Expect().Status(http.StatusUnauthorized)
			h.admin("PUT", "scenario", map[string]any{"id": "expired-token", "params": map[string]string{"lifetime": "1m"}}).
				Status(http.StatusOK).JSON().Object().Value("active").Array().IsEqual([]string{"expired-token"})
			Expect(h.Journal().Entries(0)).To(BeEmpty())
			tok := h.accessToken("read")
			h.Advance(61 * time.Second)
			challengeOf(h.bearer("GET", "/api/me", tok), "Bearer", "token_expired")
			Expect(h.Journal().Entries(0)).To(HaveEach(HaveField("Scenario", "expired-token")))
		})

		It("resets sessions and refresh tokens, but tokens signed before still verify: the signing key survives", func() {
			session := h.login()
			body := h.passwordToken("alice", "wonderland", "read")
			access, refresh := body.Value("access_token").String().Raw(), body.Value("refresh_token").String().Raw()

			h.admin("PUT", "scenario", map[string]string{"id": "expired-token"}).Status(http.StatusOK)

			challengeOf(h.e.GET("/api/me").WithCookie(sessionName, session).Expect(), "Session", "session_unknown")
			h.token(map[string]string{"grant_type": "refresh_token", "refresh_token": refresh}).
				Status(http.StatusBadRequest).JSON().Object().HasValue("reason", "refresh_token_unknown")
			h.bearer("GET", "/api/me", access).Status(http.StatusOK)
		})

		It("composes scenarios given as ids", func() {
			h.admin("PUT", "scenario", map[string]any{"ids": []string{"expired-token", "wrong-scheme"}}).
				Status(http.StatusOK).JSON().Object().Value("active").Array().IsEqual([]string{"expired-token", "wrong-scheme"})
			// wrong-scheme narrows /api/items to ApiKey.
			challengeOf(h.bearer("GET", "/api/items", h.accessToken("read")), "ApiKey", "wrong_scheme")
			Expect(h.Journal().Entries(0)).To(ContainElement(HaveField("Scenario", "expired-token+wrong-scheme")))
		})

		It("goes back to a healthy server for id none", func() {
			Expect(h.Activate([]string{"wrong-scheme"})).To(Succeed())
			h.admin("PUT", "scenario", map[string]string{"id": "none"}).Status(http.StatusOK).
				JSON().Object().Value("active").Array().IsEmpty()
			h.bearer("GET", "/api/items", h.accessToken("read")).Status(http.StatusOK)
		})

		It("answers an unknown id with 404 listing the valid ids, and keeps the active scenario", func() {
			Expect(h.Activate([]string{"wrong-scheme"})).To(Succeed())
			h.admin("PUT", "scenario", map[string]string{"id": "expired-tokn"}).Status(http.StatusNotFound).
				JSON().Object().Value("error").String().Contains(`"expired-tokn"`).Contains("valid:").Contains("expired-token")
			Expect(h.Active()).To(Equal([]string{"wrong-scheme"}))
		})

		It("answers invalid JSON with 400 naming the byte offset", func() {
			h.admin("PUT", "scenario", `{"id": expired-token}`).Status(http.StatusBadRequest).
				JSON().Object().Value("error").String().Contains("at byte 8")
		})

		It("answers an unknown field with 400 naming the valid fields", func() {
			h.admin("PUT", "scenario", map[string]string{"scenario": "expired-token"}).Status(http.StatusBadRequest).
				JSON().Object().Value("error").String().Contains(`unknown field "scenario"`).Contains("id, params, ids, scenarios")
		})

		It("answers an empty body with 400 showing the accepted forms", func() {
			h.admin("PUT", "scenario", `{}`).Status(http.StatusBadRequest).
				JSON().Object().Value("error").String().Contains(`{"id": ID}`)
		})
	})

	Describe("POST /__admin/clock", func() {
		It("moves the virtual clock", func() {
			h.admin("POST", "clock", map[string]string{"advance": "10m"}).Status(http.StatusOK).
				JSON().Object().HasValue("offset", "10m0s").Value("now").String().AsDateTime(time.RFC3339Nano).
				IsEqual(t0.Add(10 * time.Minute))
			Expect(h.Clock().Now()).To(Equal(t0.Add(10 * time.Minute)))
		})

		It("answers a bad duration with 400 and an example of a valid one", func() {
			h.admin("POST", "clock", map[string]string{"advance": "ten minutes"}).Status(http.StatusBadRequest).
				JSON().Object().Value("error").String().Contains(`"ten minutes"`).Contains(`"10m"`)
			h.admin("POST", "clock", map[string]string{"advance": "-1m"}).Status(http.StatusBadRequest)
			Expect(h.Clock().Now()).To(Equal(t0))
		})
	})

	Describe("the journal", func() {
		It("returns entries in arrival order with the contract's fields", func() {
			h.e.GET("/api/me").Expect().Status(http.StatusUnauthorized)
			h.withAuth("/api/me", "ApiKey "+apiKey).Status(http.StatusOK)
			entries := h.admin("GET", "journal", nil).Status(http.StatusOK).JSON().Array()
			entries.Length().IsEqual(2)
			first := entries.Value(0).Object()
			first.Keys().ContainsAll("seq", "at", "host", "method", "path", "scheme", "credential", "status", "reason", "scenario")
			first.HasValue("method", "GET").HasValue("path", "/api/me").HasValue("scheme", "none").
				HasValue("credential", "").HasValue("status", 401).HasValue("reason", "missing_credentials").HasValue("scenario", "")
			first.Value("at").String().AsDateTime(time.RFC3339).IsEqual(t0)
			first.Value("host").String().IsEqual(h.URL()[len("http://"):])
			second := entries.Value(1).Object()
			second.HasValue("scheme", "ApiKey").HasValue("status", 200).HasValue("reason", "")
			second.Value("credential").String().HasPrefix("hmac-sha256:")
			second.Value("seq").Number().Gt(first.Value("seq").Number().Raw())
		})

		It("returns only entries after ?since=N, and refuses a since that is not a number", func() {
			h.e.GET("/api/me").Expect()
			h.e.GET("/api/items").Expect()
			seq := h.Journal().Entries(0)[0].Seq
			h.e.GET("/__admin/journal").WithQuery("since", strconv.FormatInt(seq, 10)).Expect().Status(http.StatusOK).JSON().Array().
				Length().IsEqual(1)
			h.e.GET("/__admin/journal").WithQuery("since", "yesterday").Expect().Status(http.StatusBadRequest).
				JSON().Object().Value("error").String().Contains("integer")
		})

		It("empties on DELETE", func() {
			h.e.GET("/api/me").Expect()
			h.admin("DELETE", "journal", nil).Status(http.StatusNoContent)
			h.admin("GET", "journal", nil).Status(http.StatusOK).JSON().Array().IsEmpty()
		})

		It("does not record the operator's own admin calls", func() {
			h.admin("GET", "scenarios", nil).Status(http.StatusOK)
			h.admin("POST", "clock", map[string]string{"advance": "1s"}).Status(http.StatusOK)
			h.admin("GET", "otp", nil).Status(http.StatusOK)
			h.admin("GET", "nothing-here", nil).Status(http.StatusNotFound)
			h.admin("GET", "journal", nil).Status(http.StatusOK).JSON().Array().IsEmpty()
		})
	})

	It("POST /__admin/reset clears the journal, rewinds the clock and keeps the active scenarios on fresh state", func() {
		Expect(h.Activate([]string{"wrong-scheme"})).To(Succeed())
		session := h.login()
		h.Advance(time.Hour)
		h.admin("POST", "reset", nil).Status(http.StatusOK).JSON().Object().Value("active").Array().IsEqual([]string{"wrong-scheme"})
		Expect(h.Clock().Now()).To(Equal(t0))
		Expect(h.Journal().Entries(0)).To(BeEmpty())
		challengeOf(h.e.GET("/api/me").WithCookie(sessionName, session).Expect(), "Session", "session_unknown")
	})

	Describe("POST /__admin/actions", func() {
		It("performs an operator action: a rotated key makes old tokens fail", func() {
			tok := h.accessToken("read")
			h.admin("POST", "actions", map[string]string{"action": "rotate-signing-key"}).Status(http.StatusOK)
			challengeOf(h.bearer("GET", "/api/me", tok), "Bearer", "unknown_signing_key")
		})

		It("revokes the API key it is given", func() {
			h.admin("POST", "actions", map[string]string{"action": "revoke-api-key", "arg": apiKey}).Status(http.StatusOK)
			challengeOf(h.withAuth("/api/me", "ApiKey "+apiKey), "ApiKey", "api_key_revoked")
		})

		It("answers an unknown action with 400 listing the valid ones", func() {
			h.admin("POST", "actions", map[string]string{"action": "reboot"}).Status(http.StatusBadRequest).
				JSON().Object().Value("error").String().Contains(`"reboot"`).Contains("rotate-signing-key").Contains("revoke-api-key")
		})
	})

	It("GET /__admin/otp shows the code the user's authenticator shows now", func() {
		h.admin("GET", "otp", nil).Status(http.StatusOK).JSON().Object().
			HasValue("user", "alice").HasValue("otp", h.OTP("alice")).Value("otp").String().Length().IsEqual(6)
		h.e.GET("/__admin/otp").WithQuery("user", "mallory").Expect().Status(http.StatusNotFound)
	})
})

package scenarios_test

import (
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("expired-session", func() {
	It("accepts the cookie until the session lifetime passes, then answers 401 session_expired with a Session challenge", func() {
		h := scenario("expired-session")
		session := h.login()
		h.withCookie("/api/me", session).Status(http.StatusOK)

		h.Advance(14 * time.Minute)
		h.withCookie("/api/me", session).Status(http.StatusOK)

		h.Advance(time.Minute)
		resp := h.withCookie("/api/me", session).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix("Session ").Contains(`realm="authchaos"`)
		obj := resp.JSON().Object()
		obj.HasValue("reason", "session_expired")
		obj.Value("error_description").String().Contains("expired at " + t0.Add(15*time.Minute).Format(time.RFC3339))
		obj.Value("hint").String().Contains("log in again")
		Expect(h.last()).To(And(journalEntry("/api/me", 401, journal.SessionExpired), HaveField("Scheme", "Cookie"),
			HaveField("At", t0.Add(15*time.Minute))))
	})

	It("forgets the session once it expired, and a new login recovers", func() {
		h := scenario("expired-session")
		session := h.login()
		h.Advance(20 * time.Minute)
		h.withCookie("/api/me", session).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "session_expired")
		h.withCookie("/api/me", session).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "session_unknown")

		fresh := h.login()
		Expect(fresh).NotTo(Equal(session))
		h.withCookie("/api/me", fresh).Status(http.StatusOK).JSON().Object().HasValue("user", username)
	})

	It("sets the cookie's Max-Age to the session lifetime", func() {
		h := scenario("expired-session")
		h.e.POST("/login").WithJSON(map[string]string{"username": username, "password": password}).
			Expect().Status(http.StatusOK).Cookie("authchaos_session").MaxAge().IsEqual(15 * time.Minute)
	})

	It("honours the lifetime parameter", func() {
		h := start(map[string]string{"lifetime": "1m"}, "expired-session")
		session := h.login()
		h.Advance(59 * time.Second)
		h.withCookie("/api/me", session).Status(http.StatusOK)
		h.Advance(time.Second)
		h.withCookie("/api/me", session).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "session_expired")
	})
})

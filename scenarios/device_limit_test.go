package scenarios_test

import (
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("device-limit", func() {
	var h *harness
	loginAs := func(user, pass string) *httpexpect.Response {
		return h.e.POST("/login").WithJSON(map[string]string{"username": user, "password": pass}).Expect()
	}

	It("fills alice's session slots on other devices, so her login with the right password is refused", func() {
		h = scenario("device-limit")
		resp := loginAs(username, password).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix(`Session realm="authchaos", error="device_limit"`)
		resp.Header("Set-Cookie").IsEmpty()
		obj := resp.JSON().Object()
		obj.HasValue("reason", "device_limit")
		obj.Value("error_description").String().Contains("alice already has 2 active sessions (limit 2)")
		obj.Value("hint").String().Contains("sign out")
		Expect(h.last()).To(And(journalEntry("/login", 401, journal.DeviceLimit), HaveField("Subject", username)))

		// The refusal is about sessions, not the account: another user logs
		// in, and alice's tokens still work.
		loginAs("bob", "builder").Status(http.StatusOK)
		access, _ := h.passwordToken("read")
		h.bearer("/api/me", access).Status(http.StatusOK)
	})

	It("honours limit", func() {
		h = start(map[string]string{"limit": "3"}, "device-limit")
		loginAs(username, password).Status(http.StatusUnauthorized).JSON().Object().
			Value("error_description").String().Contains("3 active sessions (limit 3)")
	})

	It("lets the login in once the other devices' sessions have expired", func() {
		h = scenario("device-limit")
		loginAs(username, password).Status(http.StatusUnauthorized)
		h.Advance(30*time.Minute + time.Second) // the configured session lifetime
		session := loginAs(username, password).Status(http.StatusOK).Cookie("authchaos_session").Value().Raw()
		h.withCookie("/api/me", session).Status(http.StatusOK)
	})
})

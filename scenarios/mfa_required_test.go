package scenarios_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("mfa-required", func() {
	var h *harness
	loginWith := func(otp string) *httpexpect.Response {
		body := map[string]string{"username": username, "password": password}
		if otp != "" {
			body["otp"] = otp
		}
		return h.e.POST("/login").WithJSON(body).Expect()
	}
	phone := func() string {
		return h.e.GET("/__admin/otp").WithQuery("user", username).Expect().
			Status(http.StatusOK).JSON().Object().Value("otp").String().Raw()
	}

	It("asks for a one-time code when the password alone is sent", func() {
		h = scenario("mfa-required")
		resp := loginWith("").Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix(`Session realm="authchaos", error="mfa_required"`)
		resp.Header("Set-Cookie").IsEmpty()
		obj := resp.JSON().Object()
		obj.HasValue("reason", "mfa_required").HasValue("otp_required", true)
		obj.Value("hint").String().Contains("otp_url")
		Expect(h.last()).To(And(journalEntry("/login", 401, journal.MFARequired), HaveField("Subject", username)))

		h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithFormField("grant_type", "password").WithFormField("username", username).WithFormField("password", password).
			Expect().Status(http.StatusBadRequest).JSON().Object().HasValue("error", "mfa_required")
	})

	It("opens a session for the code the phone shows now", func() {
		h = scenario("mfa-required")
		code := phone()
		Expect(code).To(MatchRegexp(`^\d{6}$`))
		Expect(code).To(Equal(h.OTP(username)))
		session := loginWith(code).Status(http.StatusOK).Cookie("authchaos_session").Value().Raw()
		h.withCookie("/api/me", session).Status(http.StatusOK)
	})

	It("calls last window's code otp_expired and any other wrong code otp_invalid", func() {
		h = scenario("mfa-required")
		old := phone()
		h.Advance(30 * time.Second) // exactly one window on
		fresh := phone()
		Expect(fresh).NotTo(Equal(old))

		loginWith(old).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "otp_expired")
		Expect(h.last()).To(journalEntry("/login", 401, journal.OTPExpired))

		wrong := old
		for wrong == old || wrong == fresh {
			var n int
			fmt.Sscanf(wrong, "%d", &n)
			wrong = fmt.Sprintf("%06d", (n+1)%1000000)
		}
		loginWith(wrong).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "otp_invalid")

		h.Advance(30 * time.Second) // two windows on: no longer "expired", just wrong
		loginWith(old).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "otp_invalid")
	})

	It("honours lifetime: with 2m windows a code read at the start of a window is still good 90s later", func() {
		h = start(map[string]string{"lifetime": "2m"}, "mfa-required")
		step := 2 * time.Minute
		h.Advance(step - time.Duration(h.Clock().Now().UnixNano()%int64(step))) // to the start of a window
		code := phone()
		h.Advance(90 * time.Second)
		loginWith(code).Status(http.StatusOK)
		h.Advance(30 * time.Second) // the next window
		loginWith(code).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "otp_expired")
	})

	It("ends sessions after session_lifetime, and the next login needs a fresh code", func() {
		h = scenario("mfa-required")
		code := phone()
		session := loginWith(code).Status(http.StatusOK).Cookie("authchaos_session").Value().Raw()
		h.Advance(10*time.Minute + time.Second)
		h.withCookie("/api/me", session).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "session_expired")
		loginWith("").Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "mfa_required")
		loginWith(code).Status(http.StatusUnauthorized).JSON().Object().Value("reason").String().InList("otp_expired", "otp_invalid")
		fresh := loginWith(phone()).Status(http.StatusOK).Cookie("authchaos_session").Value().Raw()
		h.withCookie("/api/me", fresh).Status(http.StatusOK)
	})
})

package scenarios_test

import (
	"net/http"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/scenarios"
)

var _ = Describe("wrong-password", func() {
	var h *harness
	loginAs := func(pw string) *httpexpect.Response {
		return h.e.POST("/login").WithJSON(map[string]string{"username": username, "password": pw}).Expect()
	}
	sc, _ := scenarios.Lookup("wrong-password")
	wrong := sc.Workload.Password

	It("gives the client a wrong password, counts each failure, locks at the third, then refuses even the right one", func() {
		Expect(wrong).NotTo(BeEmpty())
		Expect(wrong).NotTo(Equal(password))
		h = scenario("wrong-password")

		for i, want := range []string{"1 of 3 attempts", "2 of 3 attempts"} {
			resp := loginAs(wrong).Status(http.StatusUnauthorized)
			resp.Header("WWW-Authenticate").HasPrefix(`Session realm="authchaos", error="wrong_password"`)
			resp.Header("Set-Cookie").IsEmpty()
			obj := resp.JSON().Object()
			obj.HasValue("reason", "wrong_password").Value("error_description").String().Contains(want)
			obj.Value("hint").String().Contains("do not retry automatically")
			resp.Body().NotContains(wrong)
			Expect(h.last()).To(And(journalEntry("/login", 401, journal.WrongPassword), HaveField("Subject", username)), "attempt %d", i+1)
		}

		locked := loginAs(wrong).Status(http.StatusUnauthorized).JSON().Object()
		locked.HasValue("reason", "account_locked").Value("error_description").String().Contains("locked after 3 failures")
		Expect(h.last()).To(journalEntry("/login", 401, journal.AccountLocked))

		loginAs(password).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "account_locked")
		h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithFormField("grant_type", "password").WithFormField("username", username).WithFormField("password", password).
			Expect().Status(http.StatusBadRequest).JSON().Object().HasValue("error", "invalid_grant").HasValue("reason", "account_locked")
	})

	It("lets the right password in before the lock, and a success starts the count again", func() {
		h = scenario("wrong-password")
		loginAs(wrong).Status(http.StatusUnauthorized)
		loginAs(wrong).Status(http.StatusUnauthorized)
		session := loginAs(password).Status(http.StatusOK).Cookie("authchaos_session").Value().Raw()
		h.withCookie("/api/me", session).Status(http.StatusOK)
		loginAs(wrong).Status(http.StatusUnauthorized).JSON().Object().
			Value("error_description").String().Contains("1 of 3 attempts")
	})

	It("counts failures of the password grant the same way, answering 400 invalid_grant", func() {
		h = scenario("wrong-password")
		h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithFormField("grant_type", "password").WithFormField("username", username).WithFormField("password", wrong).
			Expect().Status(http.StatusBadRequest).JSON().Object().
			HasValue("error", "invalid_grant").HasValue("reason", "wrong_password").
			Value("error_description").String().Contains("1 of 3 attempts")
		loginAs(wrong).JSON().Object().Value("error_description").String().Contains("2 of 3 attempts")
	})

	It("honours threshold: threshold=1 locks at the first failure", func() {
		h = start(map[string]string{"threshold": "1"}, "wrong-password")
		loginAs(wrong).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "account_locked")
		loginAs(password).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "account_locked")
	})
})

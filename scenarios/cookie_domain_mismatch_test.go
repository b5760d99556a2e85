package scenarios_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// jarClient is a plain net/http client with an RFC 6265 cookie jar, as a
// client SDK keeps sessions.
func jarClient() *http.Client {
	jar, err := cookiejar.New(nil)
	Expect(err).NotTo(HaveOccurred())
	tr := &http.Transport{}
	DeferCleanup(tr.CloseIdleConnections) // before the server's Close, which runs later
	return &http.Client{Jar: jar, Transport: tr, Timeout: 5 * time.Second}
}

// jarLogin logs in through c and returns the login's answer.
func jarLogin(c *http.Client, base string) *http.Response {
	GinkgoHelper()
	resp, err := c.Post(base+"/login", "application/json",
		strings.NewReader(`{"username":"`+username+`","password":"`+password+`"}`))
	Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	return resp
}

// jarGet calls path through c and returns the status.
func jarGet(c *http.Client, base, path string) int {
	GinkgoHelper()
	resp, err := c.Get(base + path)
	Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	return resp.StatusCode
}

var _ = Describe("cookie-domain-mismatch", func() {
	It("sets the session cookie for another domain; a cookie jar refuses it and the next call arrives without one", func() {
		h := scenario("cookie-domain-mismatch")
		resp := h.e.POST("/login").WithJSON(map[string]string{"username": username, "password": password}).
			Expect().Status(http.StatusOK)
		ck := resp.Cookie("authchaos_session")
		ck.Domain().IsEqual("auth.authchaos.example")
		session := ck.Value().Raw()

		c := jarClient()
		Expect(jarLogin(c, h.URL()).StatusCode).To(Equal(http.StatusOK))
		u, _ := url.Parse(h.URL())
		Expect(c.Jar.Cookies(u)).To(BeEmpty(), "RFC 6265 §5.3: a cookie for a domain the host is not in is ignored")
		Expect(jarGet(c, h.URL(), "/api/me")).To(Equal(http.StatusUnauthorized))
		Expect(h.last()).To(And(journalEntry("/api/me", 401, journal.MissingCredentials), HaveField("Scheme", "none")))

		// The session itself is good: only the cookie's Domain keeps it from coming back.
		h.withCookie("/api/me", session).Status(http.StatusOK)
	})

	It("honours domain", func() {
		h := start(map[string]string{"domain": "other.example"}, "cookie-domain-mismatch")
		h.e.POST("/login").WithJSON(map[string]string{"username": username, "password": password}).
			Expect().Status(http.StatusOK).Cookie("authchaos_session").Domain().IsEqual("other.example")
	})

	It("on a healthy server sets a host-only cookie that comes back", func() {
		h := start(nil)
		c := jarClient()
		jarLogin(c, h.URL())
		Expect(jarGet(c, h.URL(), "/api/me")).To(Equal(http.StatusOK))
		Expect(h.last()).To(And(journalEntry("/api/me", 200, ""), HaveField("Scheme", "Cookie")))
	})

	It("rejects a domain that is not one", func() {
		h := scenario("cookie-domain-mismatch")
		Expect(h.Activate([]string{"cookie-domain-mismatch"}, map[string]string{"domain": "a; b"})).
			To(MatchError(ContainSubstring("not a cookie domain")))
	})
})

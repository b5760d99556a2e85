package scenarios_test

import (
	"net/http"
	"net/url"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("redirect-strips-auth", func() {
	// at is an httpexpect client for an absolute URL's origin, which does
	// not follow redirects either.
	at := func(rawURL string) (*httpexpect.Expect, string) {
		u, err := url.Parse(rawURL)
		Expect(err).NotTo(HaveOccurred())
		tr := &http.Transport{}
		DeferCleanup(tr.CloseIdleConnections)
		e := httpexpect.WithConfig(httpexpect.Config{
			BaseURL:  u.Scheme + "://" + u.Host,
			Reporter: httpexpect.NewAssertReporter(GinkgoT()),
			Client: &http.Client{Transport: tr, Timeout: 5 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		})
		return e, u.RequestURI()
	}

	It("redirects /api/items with 307 to another host name, which records whether a credential arrived", func() {
		h := scenario("redirect-strips-auth")
		token := h.clientToken("read")
		resp := h.bearer("/api/items", token).Status(http.StatusTemporaryRedirect)
		loc := resp.Header("Location").Raw()
		Expect(loc).To(Equal(h.Origins().CrossHost + "/mirror/items"))
		Expect(h.last()).To(And(journalEntry("/api/items", 307, journal.Redirect), HaveField("Location", loc), HaveField("Origin", journal.App)))

		other, path := at(loc)
		// A careful client follows without its credential: the mirror answers.
		other.GET(path).Expect().Status(http.StatusOK).JSON().Object().
			HasValue("origin", "other").HasValue("received_credential", false).ContainsKey("items")
		Expect(h.last()).To(And(journalEntry("/mirror/items", 200, ""), HaveField("Origin", journal.OtherOrigin),
			HaveField("Scheme", "none"), HaveField("Credential", "")))

		// A leaky one forwards it: the mirror still answers, and the journal keeps the evidence.
		other.GET(path).WithHeader("Authorization", "Bearer "+token).Expect().Status(http.StatusOK).
			JSON().Object().HasValue("received_credential", true)
		leak := h.last()
		Expect(leak).To(And(journalEntry("/mirror/items", 200, journal.CredentialLeaked), HaveField("Origin", journal.OtherOrigin),
			HaveField("Scheme", "Bearer"), HaveField("Host", HavePrefix("localhost:"))))
		Expect(leak.Credential).To(HavePrefix("hmac-sha256:"))
		Expect(leak.Credential).NotTo(ContainSubstring(token))
	})

	It("redirects /api/export to another port of the same host", func() {
		h := scenario("redirect-strips-auth")
		loc := h.bearer("/api/export", h.clientToken("read")).Status(http.StatusTemporaryRedirect).Header("Location").Raw()
		Expect(loc).To(Equal(h.Origins().OtherPort + "/mirror/export"))
		Expect(loc).NotTo(HavePrefix(h.URL()))
		other, path := at(loc)
		other.GET(path).WithCookie("authchaos_session", h.login()).Expect().Status(http.StatusOK)
		Expect(h.last()).To(And(journalEntry("/mirror/export", 200, journal.CredentialLeaked), HaveField("Scheme", "Cookie")))
	})

	It("redirects /api/me to itself, where the credential belongs and is still needed", func() {
		h := scenario("redirect-strips-auth")
		token := h.clientToken("read")
		resp := h.bearer("/api/me", token).Status(http.StatusTemporaryRedirect)
		resp.Header("Location").IsEqual("/api/me?moved=1")
		h.e.GET("/api/me").WithQuery("moved", "1").WithHeader("Authorization", "Bearer "+token).
			Expect().Status(http.StatusOK).JSON().Object().HasValue("user", clientID)
		h.e.GET("/api/me").WithQuery("moved", "1").Expect().Status(http.StatusUnauthorized).
			JSON().Object().HasValue("reason", "missing_credentials")
	})
})

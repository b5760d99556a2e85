package scenarios_test

import (
	"net/http"
	"net/url"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

// registeredRedirect is the default client's only registered redirect URI.
const registeredRedirect = "http://127.0.0.1:8400/callback"

var _ = Describe("redirect-uri-mismatch", func() {
	query := func(h *harness) url.Values {
		GinkgoHelper()
		path := h.Fixtures()["authorize_path"]
		u, err := url.Parse(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(u.Path).To(Equal("/oauth/authorize"))
		return u.Query()
	}

	// get sends the published authorization request as a browser would.
	get := func(h *harness) *httpexpect.Response {
		GinkgoHelper()
		u, err := url.Parse(h.Fixtures()["authorize_path"])
		Expect(err).NotTo(HaveOccurred())
		return h.e.GET(u.Path).WithQueryString(u.RawQuery).Expect()
	}

	It("publishes a PKCE authorization request whose redirect URI differs by a trailing slash", func() {
		h := scenario("redirect-uri-mismatch")
		q := query(h)
		Expect(q.Get("redirect_uri")).To(Equal(registeredRedirect + "/"))
		Expect(q.Get("response_type")).To(Equal("code"))
		Expect(q.Get("client_id")).To(Equal(clientID))
		Expect(q.Get("code_challenge_method")).To(Equal("S256"))
		Expect(q.Get("code_challenge")).To(HaveLen(43)) // base64url of a SHA-256
		Expect(q.Get("state")).NotTo(BeEmpty())
	})

	It("answers it with 400 redirect_uri_mismatch and never redirects", func() {
		h := scenario("redirect-uri-mismatch")
		resp := get(h).Status(http.StatusBadRequest)
		resp.Header("Location").IsEmpty()
		obj := resp.JSON().Object()
		obj.HasValue("error", "invalid_request").HasValue("reason", "redirect_uri_mismatch")
		obj.Value("error_description").String().Contains(registeredRedirect + `/"`).Contains("registered: " + registeredRedirect)
		obj.Value("hint").String().Contains("trailing slash")
		Expect(h.last()).To(And(journalEntry("/oauth/authorize", 400, journal.RedirectURIMismatch),
			HaveField("Location", ""), HaveField("Subject", clientID)))
	})

	It("is only the URI that is wrong: the same request with the registered URI redirects with a code and the state", func() {
		h := scenario("redirect-uri-mismatch")
		q := query(h)
		q.Set("redirect_uri", registeredRedirect)
		resp := h.e.GET("/oauth/authorize").WithQueryString(q.Encode()).Expect().Status(http.StatusFound)
		loc, err := url.Parse(resp.Header("Location").Raw())
		Expect(err).NotTo(HaveOccurred())
		Expect(loc.Scheme + "://" + loc.Host + loc.Path).To(Equal(registeredRedirect))
		Expect(loc.Query().Get("code")).NotTo(BeEmpty())
		Expect(loc.Query().Get("state")).To(Equal(q.Get("state")))
	})

	DescribeTable("each kind of small mismatch is refused the same way",
		func(kind, want string) {
			h := start(map[string]string{"kind": kind}, "redirect-uri-mismatch")
			Expect(query(h).Get("redirect_uri")).To(Equal(want))
			Expect(h.Fixtures()).To(HaveKeyWithValue("redirect_uri", want))
			get(h).Status(http.StatusBadRequest).
				JSON().Object().HasValue("reason", "redirect_uri_mismatch")
		},
		Entry("trailing slash", "trailing-slash", "http://127.0.0.1:8400/callback/"),
		Entry("http vs https", "scheme", "https://127.0.0.1:8400/callback"),
		Entry("another port", "port", "http://127.0.0.1:8401/callback"),
		Entry("localhost vs 127.0.0.1", "host", "http://localhost:8400/callback"),
	)

	It("rejects a kind it does not know, naming the valid ones", func() {
		s, err := fakeserver.New(fakeserver.WithClock(clock.Frozen(t0)))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Activate([]string{"redirect-uri-mismatch"}, map[string]string{"kind": "case"})).
			To(MatchError(ContainSubstring("valid: trailing-slash, scheme, port, host")))
	})
})

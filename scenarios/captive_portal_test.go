package scenarios_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("captive-portal", func() {
	It("from the first API call answers every request with the portal page, 401 and Retry-After, until `duration` passes", func() {
		h := scenario("captive-portal")
		token := h.clientToken("read") // before any API call there is no portal

		resp := h.bearer("/api/items", token).Status(http.StatusUnauthorized)
		resp.HasContentType("text/html")
		resp.Header("WWW-Authenticate").IsEmpty()
		resp.Header("Retry-After").IsEqual("1")
		resp.Body().Contains("accept our terms of use").NotContains(token)
		Expect(h.last()).To(And(journalEntry("/api/items", 401, journal.CaptivePortal),
			HaveField("Origin", journal.Portal), HaveField("RetryAfter", "1")))

		// The portal answers for everything, the token endpoint included.
		h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).WithFormField("grant_type", "client_credentials").
			Expect().Status(http.StatusUnauthorized).Body().Contains("Wi-Fi")
		Expect(h.last()).To(journalEntry("/oauth/token", 401, journal.CaptivePortal))

		h.Advance(time.Second)
		h.bearer("/api/items", token).Status(http.StatusOK).JSON().Object().ContainsKey("items")
	})

	It("counts Retry-After down over a longer duration", func() {
		h := start(map[string]string{"duration": "10s"}, "captive-portal")
		h.Advance(time.Hour) // the portal starts with the first API call, not at activation
		token := h.clientToken("read")
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("Retry-After").IsEqual("10")
		h.Advance(4500 * time.Millisecond) // 5.5s left
		h.bearer("/api/me", token).Status(http.StatusUnauthorized).Header("Retry-After").IsEqual("6")
		h.Advance(5500 * time.Millisecond)
		h.bearer("/api/me", token).Status(http.StatusOK)
	})

	It("with mode=redirect sends 302 to a portal page on another host", func() {
		h := start(map[string]string{"mode": "redirect"}, "captive-portal")
		token := h.clientToken("read")
		resp := h.bearer("/api/items", token).Status(http.StatusFound)
		resp.Header("Retry-After").IsEmpty()
		loc := resp.Header("Location").Raw()
		Expect(loc).To(HavePrefix(h.Origins().CrossHost + "/portal?continue="))
		u, err := url.Parse(loc)
		Expect(err).NotTo(HaveOccurred())
		Expect(u.Query().Get("continue")).To(Equal(h.URL() + "/api/items"))
		Expect(h.last()).To(And(journalEntry("/api/items", 302, journal.CaptivePortalRedirect),
			HaveField("Origin", journal.Portal), HaveField("Location", loc)))

		// The portal's host serves the terms page; a careful client sends it no credential.
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		page, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get(loc)
		Expect(err).NotTo(HaveOccurred())
		defer page.Body.Close()
		body, _ := io.ReadAll(page.Body)
		Expect(page.StatusCode).To(Equal(http.StatusOK))
		Expect(page.Header.Get("Content-Type")).To(HavePrefix("text/html"))
		Expect(strings.ToLower(string(body))).To(ContainSubstring("accept the terms"))
		Expect(h.last()).To(And(HaveField("Origin", journal.OtherOrigin), HaveField("Path", "/portal"),
			HaveField("Reason", journal.CaptivePortalPage), HaveField("Scheme", "none")))
	})

	It("with mode=redirect journals a credential sent on to the portal's host as a leak", func() {
		h := start(map[string]string{"mode": "redirect"}, "captive-portal")
		token := h.clientToken("read")
		loc := h.bearer("/api/items", token).Status(http.StatusFound).Header("Location").Raw()
		req, err := http.NewRequest("GET", loc, nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Authorization", "Bearer "+token) // what a client that copies headers onto every hop does
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(h.last()).To(And(HaveField("Origin", journal.OtherOrigin), HaveField("Path", "/portal"),
			HaveField("Reason", journal.CredentialLeaked), HaveField("Scheme", "Bearer")))
	})

	It("with mode=redirect and no second origin (the server inside httptest) serves the portal on its own host instead of looping", func() {
		s, err := fakeserver.New(fakeserver.WithClock(clock.Frozen(t0)))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Activate([]string{"captive-portal"}, map[string]string{"mode": "redirect"})).To(Succeed())
		ts := httptest.NewServer(s)
		DeferCleanup(ts.Close)
		resp, err := ts.Client().Get(ts.URL + "/api/items")
		Expect(err).NotTo(HaveOccurred(), "the redirect must not loop")
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(resp.Request.URL.Path).To(Equal("/portal"))
		Expect(string(body)).To(ContainSubstring("accept our terms of use"))
	})

	It("rejects a mode it does not know", func() {
		h := scenario("captive-portal")
		Expect(h.Activate([]string{"captive-portal"}, map[string]string{"mode": "popup"})).
			To(MatchError(ContainSubstring("valid: page, redirect")))
	})
})

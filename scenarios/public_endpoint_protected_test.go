package scenarios_test

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("public-endpoint-protected", func() {
	It("answers the public status route with 401 rest_not_logged_in whatever is sent, while it is public on a healthy server", func() {
		healthy := start(nil)
		healthy.e.GET("/api/public/status").Expect().Status(http.StatusOK).JSON().Object().HasValue("status", "ok")

		h := scenario("public-endpoint-protected")
		token := h.clientToken("read")
		for name, req := range map[string]*httpexpect.Request{
			"nothing":   h.e.GET("/api/public/status"),
			"a token":   h.e.GET("/api/public/status").WithHeader("Authorization", "Bearer "+token),
			"a key":     h.e.GET("/api/public/status").WithHeader("Authorization", "ApiKey "+apiKey),
			"a session": h.e.GET("/api/public/status").WithCookie("authchaos_session", h.login()),
		} {
			resp := req.Expect().Status(http.StatusUnauthorized)
			resp.Header("WWW-Authenticate").IsEqual(`Session realm="members-only"`)
			resp.Header("X-Plugin").HasPrefix("members-only/")
			obj := resp.JSON().Object()
			obj.HasValue("code", "rest_not_logged_in").HasValue("message", "You are not currently logged in.").
				HasValue("reason", "members_only_plugin")
			obj.Value("hint").String().NotEmpty()
			Expect(h.last()).To(And(journalEntry("/api/public/status", 401, journal.MembersOnlyPlugin), HaveField("Origin", journal.Plugin)), "with %s", name)
		}

		// The protected routes beside it work.
		h.bearer("/api/me", token).Status(http.StatusOK)
	})

	It("guards the route path names", func() {
		h := start(map[string]string{"path": "/api/me"}, "public-endpoint-protected")
		h.e.GET("/api/public/status").Expect().Status(http.StatusOK)
		h.bearer("/api/me", h.clientToken("read")).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "members_only_plugin")
	})
})

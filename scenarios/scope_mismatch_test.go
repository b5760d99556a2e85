package scenarios_test

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("scope-mismatch", func() {
	It("answers a token without the extra scope with 403 insufficient_scope naming it, and lets a wider token through", func() {
		h := scenario("scope-mismatch")
		readOnly, rt := h.passwordToken("read")
		h.bearer("/api/me", readOnly).Status(http.StatusOK) // "works for login"

		resp := h.bearer("/api/items", readOnly).Status(http.StatusForbidden)
		resp.Header("WWW-Authenticate").HasPrefix(`Bearer realm="authchaos", error="insufficient_scope"`).Contains(`scope="read write"`)
		obj := resp.JSON().Object()
		obj.HasValue("reason", "insufficient_scope").HasValue("scope", "read write")
		obj.Value("error_description").String().Contains("needs scope write")
		Expect(h.last()).To(And(journalEntry("/api/items", 403, journal.InsufficientScope), HaveField("Subject", username)))

		// A refresh cannot widen the grant; a new grant with the scope can.
		h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
			WithFormField("grant_type", "refresh_token").WithFormField("refresh_token", rt).WithFormField("scope", "read write").
			Expect().Status(http.StatusBadRequest).JSON().Object().HasValue("error", "invalid_scope")
		wide, _ := h.passwordToken("read write")
		h.bearer("/api/items", wide).Status(http.StatusOK)
	})

	It("on a healthy server lets a read token list items", func() {
		h := start(nil)
		readOnly, _ := h.passwordToken("read")
		h.bearer("/api/items", readOnly).Status(http.StatusOK)
	})

	It("honours path and scope", func() {
		h := start(map[string]string{"path": "/api/me", "scope": "admin"}, "scope-mismatch")
		token := h.clientToken("read")
		h.bearer("/api/items", token).Status(http.StatusOK)
		h.bearer("/api/me", token).Status(http.StatusForbidden).Header("WWW-Authenticate").Contains(`scope="admin"`)
		h.bearer("/api/me", h.clientToken("read admin")).Status(http.StatusOK)
	})
})

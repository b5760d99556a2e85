package scenarios_test

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("wrong-url", func() {
	DescribeTable("answers a mistyped API path with nginx's 401 for a protected location instead of 404",
		func(path string) {
			h := scenario("wrong-url")
			token := h.clientToken("read")
			h.bearer("/api/items", token).Status(http.StatusOK) // the right path, same token

			resp := h.bearer(path, token).Status(http.StatusUnauthorized)
			resp.Header("WWW-Authenticate").IsEqual(`Basic realm="Internal"`)
			resp.Header("Server").HasPrefix("nginx/")
			resp.Body().Contains("401 Authorization Required")
			Expect(h.last()).To(And(journalEntry(path, 401, journal.ProtectedLocation), HaveField("Origin", journal.Nginx)))
		},
		Entry("an extra slash", "/api//items"),
		Entry("a wrong prefix", "/api/v1/items"),
		Entry("a trailing slash", "/api/items/"),
		Entry("a typo", "/api/itemz"),
		Entry("a doubled leading slash", "//api/items"),
	)

	It("passes the API's other answers through unchanged", func() {
		h := scenario("wrong-url")
		token := h.clientToken("read")
		h.bearer("/api/me", token).Status(http.StatusOK).JSON().Object().HasValue("user", clientID)
		h.e.DELETE("/api/items").WithHeader("Authorization", "Bearer "+token).Expect().
			Status(http.StatusMethodNotAllowed).Header("Allow").NotEmpty()
		h.e.GET("/api/items").Expect().Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "missing_credentials")
		h.e.GET("/nowhere").Expect().Status(http.StatusNotFound) // outside /api/
	})

	It("on a healthy server answers the same paths with a redirect or 404", func() {
		h := start(nil)
		token := h.clientToken("read")
		h.bearer("/api//items", token).Status(http.StatusTemporaryRedirect).Header("Location").IsEqual("/api/items")
		h.bearer("/api/v1/items", token).Status(http.StatusNotFound).JSON().Object().HasValue("reason", "not_found")
	})
})

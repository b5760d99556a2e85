package scenarios_test

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("session-network-change", func() {
	It("binds the session to the network it logged in from; after the move it is refused, and a new login works", func() {
		h := scenario("session-network-change")
		first := h.login()
		h.withCookie("/api/me", first).Status(http.StatusOK)

		resp := h.withCookie("/api/items", first).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix(`Session realm="authchaos"`)
		obj := resp.JSON().Object()
		obj.HasValue("reason", "session_network_changed")
		obj.Value("error_description").String().Contains("created from 203.0.113.24").Contains("now used from 198.51.100.7")
		obj.Value("hint").String().Contains("log in again")
		Expect(h.last()).To(And(journalEntry("/api/items", 401, journal.SessionNetworkChanged), HaveField("Scheme", "Cookie")))

		second := h.login()
		h.withCookie("/api/items", second).Status(http.StatusOK)
		h.withCookie("/api/items", first).Status(http.StatusUnauthorized)
	})

	It("honours after", func() {
		h := start(map[string]string{"after": "3"}, "session-network-change")
		s := h.login()
		for range 3 {
			h.withCookie("/api/me", s).Status(http.StatusOK)
		}
		h.withCookie("/api/me", s).Status(http.StatusUnauthorized)
	})

	It("leaves tokens alone: they are not bound to a network", func() {
		h := scenario("session-network-change")
		access, _ := h.passwordToken("read")
		for range 3 {
			h.bearer("/api/me", access).Status(http.StatusOK)
		}
	})
})

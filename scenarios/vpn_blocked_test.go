package scenarios_test

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("vpn-blocked", func() {
	It("refuses every API call from the VPN address with 401 untrusted_network, whatever the credential", func() {
		healthy := start(nil)
		healthy.bearer("/api/items", healthy.clientToken("read")).Status(http.StatusOK)

		h := scenario("vpn-blocked")
		token := h.clientToken("read") // logins and token requests still work
		resp := h.bearer("/api/items", token).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").IsEmpty()
		resp.Header("X-Client-IP").IsEqual("198.51.100.23")
		obj := resp.JSON().Object()
		obj.HasValue("reason", "untrusted_network").HasValue("client_ip", "198.51.100.23")
		obj.Value("hint").String().Contains("VPN")
		obj.Value("message").String().Contains("VPN or anonymising proxy")
		Expect(h.last()).To(And(journalEntry("/api/items", 401, journal.UntrustedNetwork), HaveField("Origin", journal.RiskFilter)))

		h.bearer("/api/items", h.clientToken("read")).Status(http.StatusUnauthorized)
		h.withKey("/api/me", apiKey).Status(http.StatusUnauthorized)
		h.withCookie("/api/me", h.login()).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "untrusted_network")
	})

	It("names the address parameter", func() {
		h := start(map[string]string{"address": "192.0.2.44"}, "vpn-blocked")
		h.withKey("/api/me", apiKey).Status(http.StatusUnauthorized).JSON().Object().HasValue("client_ip", "192.0.2.44")
	})

	It("rejects an address that is not one", func() {
		h := scenario("vpn-blocked")
		Expect(h.Activate([]string{"vpn-blocked"}, map[string]string{"address": "vpn.example"})).
			To(MatchError(ContainSubstring("not an IP address")))
	})
})

package fakeserver_test

import (
	"net/http"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("The device authorization grant (RFC 8628)", func() {
	var h *harness
	BeforeEach(func() { h = serve() })

	start := func() (device, user string) {
		GinkgoHelper()
		obj := h.e.POST("/oauth/device_authorization").WithBasicAuth(clientID, clientSecret).WithFormField("scope", "read").
			Expect().Status(http.StatusOK).JSON().Object()
		obj.HasValue("interval", 5).HasValue("expires_in", 600).Value("verification_uri").String().HasSuffix("/device")
		obj.Value("user_code").String().Match(`^[B-Z]{4}-[B-Z]{4}$`)
		return obj.Value("device_code").String().Raw(), obj.Value("user_code").String().Raw()
	}
	poll := func(device string) *httpexpect.Response {
		return h.token(map[string]string{"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": device})
	}
	errorOf := func(r *httpexpect.Response) string {
		GinkgoHelper()
		return r.Status(http.StatusBadRequest).JSON().Object().Value("error").String().Raw()
	}

	It("answers pending, slows a device that polls too fast by five seconds, and issues tokens once the user approves", func() {
		device, user := start()
		Expect(errorOf(poll(device))).To(Equal("authorization_pending"))
		slow := poll(device).Status(http.StatusBadRequest).JSON().Object()
		slow.HasValue("error", "slow_down").Value("error_description").String().Contains("every 10s")
		h.Advance(10 * time.Second)
		Expect(errorOf(poll(device))).To(Equal("authorization_pending"))

		h.admin("POST", "actions", map[string]string{"action": "approve-device", "arg": user}).Status(http.StatusOK)
		h.Advance(10 * time.Second)
		tok := poll(device).Status(http.StatusOK).JSON().Object()
		h.bearer("GET", "/api/me", tok.Value("access_token").String().Raw()).Status(http.StatusOK).JSON().Object().HasValue("user", "alice")
		h.Advance(10 * time.Second)
		Expect(errorOf(poll(device))).To(Equal("invalid_grant"), "a device code is used once")
	})

	It("stops with expired_token when the code outlives its life, and access_denied when the user says no", func() {
		expiring, _ := start()
		denied, user := start()
		h.admin("POST", "actions", map[string]string{"action": "deny-device", "arg": user}).Status(http.StatusOK)
		Expect(errorOf(poll(denied))).To(Equal("access_denied"))
		h.Advance(10 * time.Minute)
		Expect(errorOf(poll(expiring))).To(Equal("expired_token"))
		h.admin("POST", "actions", map[string]string{"action": "approve-device", "arg": "BBBB-BBBB"}).Status(http.StatusBadRequest)
	})

	It("is announced in the metadata", func() {
		h.e.GET("/.well-known/oauth-authorization-server").Expect().JSON().Object().
			HasValue("device_authorization_endpoint", h.URL()+"/oauth/device_authorization").
			Value("grant_types_supported").Array().ContainsAll("urn:ietf:params:oauth:grant-type:device_code")
	})
})

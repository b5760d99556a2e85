package scenarios_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("device-code-expired", func() {
	It("keeps the code pending, never approved, until expires_in passes, then answers expired_token", func() {
		h := scenario("device-code-expired")
		obj := h.e.POST("/oauth/device_authorization").WithBasicAuth(clientID, clientSecret).Expect().Status(http.StatusOK).JSON().Object()
		obj.HasValue("expires_in", 2).HasValue("interval", 1)
		code := obj.Value("device_code").String().Raw()
		devicePoll(h, code).Status(http.StatusBadRequest).JSON().Object().HasValue("error", "authorization_pending")
		h.Advance(time.Second)
		devicePoll(h, code).Status(http.StatusBadRequest).JSON().Object().HasValue("error", "authorization_pending")
		h.Advance(time.Second)
		devicePoll(h, code).Status(http.StatusBadRequest).JSON().Object().HasValue("error", "expired_token")
		Expect(h.last()).To(journalEntry("/oauth/token", 400, journal.DeviceCodeExpired))
	})
})

package scenarios_test

import (
	"net/http"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

// deviceStart asks for a device code and returns it with its interval.
func deviceStart(h *harness) (string, int) {
	GinkgoHelper()
	obj := h.e.POST("/oauth/device_authorization").WithBasicAuth(clientID, clientSecret).WithFormField("scope", "read").
		Expect().Status(http.StatusOK).JSON().Object()
	return obj.Value("device_code").String().Raw(), int(obj.Value("interval").Number().Raw())
}

func devicePoll(h *harness, code string) *httpexpect.Response {
	return h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
		WithFormField("grant_type", "urn:ietf:params:oauth:grant-type:device_code").WithFormField("device_code", code).Expect()
}

var _ = Describe("device-flow", func() {
	It("answers authorization_pending, then slow_down (the interval grows by 5 s), then a token once the user approves", func() {
		h := scenario("device-flow")
		code, interval := deviceStart(h)
		Expect(interval).To(Equal(1))
		devicePoll(h, code).Status(http.StatusBadRequest).JSON().Object().HasValue("error", "authorization_pending")
		h.Advance(time.Second)
		devicePoll(h, code).Status(http.StatusBadRequest).JSON().Object().HasValue("error", "slow_down")
		Expect(h.last()).To(journalEntry("/oauth/token", 400, journal.DeviceSlowDown))
		// The old interval is now too fast: slow_down again.
		h.Advance(time.Second)
		devicePoll(h, code).Status(http.StatusBadRequest).JSON().Object().HasValue("error", "slow_down")
	})

	It("approves at the poll after the slow_down when the device waits the longer interval", func() {
		h := scenario("device-flow")
		code, _ := deviceStart(h)
		devicePoll(h, code).Status(http.StatusBadRequest)
		h.Advance(time.Second)
		devicePoll(h, code).Status(http.StatusBadRequest).JSON().Object().HasValue("error", "slow_down")
		h.Advance(6 * time.Second)
		token := devicePoll(h, code).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		h.bearer("/api/items", token).Status(http.StatusOK)
		h.bearer("/api/me", token).Status(http.StatusOK).JSON().Object().Value("user").IsEqual(username) // the user who approved
	})

	It("with outcome=denied answers access_denied after the slow_down", func() {
		h := start(map[string]string{"outcome": "denied"}, "device-flow")
		code, _ := deviceStart(h)
		devicePoll(h, code).Status(http.StatusBadRequest)
		h.Advance(time.Second)
		devicePoll(h, code).Status(http.StatusBadRequest)
		h.Advance(6 * time.Second)
		devicePoll(h, code).Status(http.StatusBadRequest).JSON().Object().HasValue("error", "access_denied")
		Expect(h.last()).To(journalEntry("/oauth/token", 400, journal.DeviceAccessDenied))
	})
})

package scenarios_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("audience-mismatch", func() {
	It("publishes a stored token for another resource that the API refuses as invalid_token, and takes a new one", func() {
		h := scenario("audience-mismatch")
		stored := h.Fixtures()["access_token"]
		Expect(stored).NotTo(BeEmpty())
		resp := h.bearer("/api/items", stored).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").Contains(`error="invalid_token"`).Contains("billing.example")
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.AudienceMismatch))
		h.bearer("/api/items", h.clientToken("read")).Status(http.StatusOK)
	})

	It("refuses an audience that is not an absolute URI", func() {
		h := start(nil)
		err := h.Activate([]string{"audience-mismatch"}, map[string]string{"audience": "billing"})
		Expect(err).To(MatchError(ContainSubstring("absolute URI")))
	})
})

package scenarios_test

import (
	"net/http"
	"sync"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("concurrent-expiry", func() {
	// burst sends n calls with token at once and returns their statuses.
	burst := func(h *harness, token string, n int) []int {
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				req, err := http.NewRequest(http.MethodGet, h.URL()+"/api/items", nil)
				Expect(err).NotTo(HaveOccurred())
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				Expect(err).NotTo(HaveOccurred())
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			}()
		}
		wg.Wait()
		return statuses
	}

	It("refuses every call in flight with the expired token, and one refresh serves them all", func() {
		h := start(map[string]string{"token_latency": "0s"}, "concurrent-expiry")
		access, rt := h.passwordToken("read")
		Expect(burst(h, access, 8)).To(HaveEach(http.StatusOK))

		h.Advance(6 * time.Minute)
		before := h.Journal().LastSeq()
		Expect(burst(h, access, 8)).To(HaveEach(http.StatusUnauthorized))
		refused := h.Journal().Entries(before)
		Expect(refused).To(HaveLen(8))
		Expect(refused).To(HaveEach(And(journalEntry("/api/items", 401, journal.TokenExpired), HaveField("At", t0.Add(6*time.Minute)))))

		fresh := h.refresh(rt).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		Expect(burst(h, fresh, 8)).To(HaveEach(http.StatusOK))
	})

	It("makes the token endpoint take token_latency, so refreshes started together overlap", func() {
		h := start(map[string]string{"token_latency": "300ms"}, "concurrent-expiry")
		began := time.Now()
		h.passwordToken("read")
		Expect(time.Since(began)).To(BeNumerically(">=", 300*time.Millisecond))
	})

	It("slows the token endpoint by default", func() {
		h := scenario("concurrent-expiry")
		began := time.Now()
		_, rt := h.passwordToken("read")
		h.refresh(rt).Status(http.StatusOK)
		Expect(time.Since(began)).To(BeNumerically(">=", 200*time.Millisecond))
	})

	It("honours the lifetime parameter", func() {
		h := start(map[string]string{"lifetime": "1m", "token_latency": "0s"}, "concurrent-expiry")
		access, _ := h.passwordToken("read")
		h.Advance(61 * time.Second)
		Expect(burst(h, access, 3)).To(HaveEach(http.StatusUnauthorized))
	})
})

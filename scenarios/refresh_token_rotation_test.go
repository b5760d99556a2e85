package scenarios_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("refresh-token-rotation", func() {
	// rotate refreshes with rt and returns the new access and refresh token.
	rotate := func(h *harness, rt string) (string, string) {
		GinkgoHelper()
		obj := h.refresh(rt).Status(http.StatusOK).JSON().Object()
		return obj.Value("access_token").String().Raw(), obj.Value("refresh_token").String().Raw()
	}

	It("returns a new refresh token on every refresh, and the newest one keeps working across expiries", func() {
		h := scenario("refresh-token-rotation")
		_, rt1 := h.passwordToken("read")
		h.Advance(6 * time.Minute)
		access2, rt2 := rotate(h, rt1)
		Expect(rt2).NotTo(BeEmpty())
		Expect(rt2).NotTo(Equal(rt1))
		h.bearer("/api/items", access2).Status(http.StatusOK)

		h.Advance(6 * time.Minute)
		h.bearer("/api/items", access2).Status(http.StatusUnauthorized)
		access3, rt3 := rotate(h, rt2)
		Expect(rt3).NotTo(BeElementOf(rt1, rt2))
		h.bearer("/api/items", access3).Status(http.StatusOK)
	})

	It("answers reuse of a rotated refresh token with invalid_grant refresh_token_reused and kills the whole family", func() {
		h := scenario("refresh-token-rotation")
		_, rt1 := h.passwordToken("read")
		_, rt2 := rotate(h, rt1)

		obj := h.refresh(rt1).Status(http.StatusBadRequest).JSON().Object()
		obj.HasValue("error", "invalid_grant").HasValue("reason", "refresh_token_reused")
		obj.Value("error_description").String().Contains("already used").Contains("family is revoked")
		Expect(h.last()).To(And(journalEntry("/oauth/token", 400, journal.RefreshTokenReused), HaveField("Grant", "refresh_token")))

		// Even the newest token of the family is dead now.
		h.refresh(rt2).Status(http.StatusBadRequest).JSON().Object().
			HasValue("error", "invalid_grant").HasValue("reason", "refresh_token_revoked")
		// Another login starts a new, healthy family.
		_, other := h.passwordToken("read")
		rotate(h, other)
	})

	It("lets only one of two concurrent refreshes with the same token win, and then revokes the winner's token too", func() {
		h := scenario("refresh-token-rotation")
		_, rt := h.passwordToken("read")
		h.Advance(6 * time.Minute)

		type answer struct {
			status int
			body   string
		}
		answers := make([]answer, 2)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
				req, err := http.NewRequest(http.MethodPost, h.URL()+"/oauth/token", strings.NewReader(form.Encode()))
				Expect(err).NotTo(HaveOccurred())
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(clientID, clientSecret)
				resp, err := http.DefaultClient.Do(req)
				Expect(err).NotTo(HaveOccurred())
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				Expect(err).NotTo(HaveOccurred())
				answers[i] = answer{resp.StatusCode, string(body)}
			}()
		}
		wg.Wait()
		sort.Slice(answers, func(i, j int) bool { return answers[i].status < answers[j].status })
		Expect(answers[0].status).To(Equal(http.StatusOK))
		Expect(answers[1].status).To(Equal(http.StatusBadRequest))
		Expect(answers[1].body).To(ContainSubstring("refresh_token_reused"))

		var reasons []string
		for _, e := range h.Journal().Entries(0) {
			if e.Grant == "refresh_token" {
				reasons = append(reasons, string(e.Reason))
			}
		}
		Expect(reasons).To(ConsistOf("", "refresh_token_reused"))

		var won struct {
			RefreshToken string `json:"refresh_token"`
		}
		Expect(json.Unmarshal([]byte(answers[0].body), &won)).To(Succeed())
		Expect(won.RefreshToken).NotTo(BeEmpty())
		h.refresh(won.RefreshToken).Status(http.StatusBadRequest).JSON().Object().HasValue("reason", "refresh_token_revoked")
	})

	It("is what makes reuse fatal: a healthy server hands back the same refresh token and accepts it again", func() {
		h := start(nil)
		_, rt := h.passwordToken("read")
		_, same := rotate(h, rt)
		Expect(same).To(Equal(rt))
		rotate(h, rt)
	})
})

package scenarios_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

var _ = Describe("digest-stale-nonce", func() {
	It("takes only Digest, and answers an old nonce with stale=true and a fresh one", func() {
		h := scenario("digest-stale-nonce")
		challenge := h.e.GET("/api/items").Expect().Status(http.StatusUnauthorized).Header("WWW-Authenticate")
		challenge.HasPrefix(`Digest realm="authchaos"`).Contains("algorithm=SHA-256").NotContains("stale")
		answer := digestAnswer(challenge.Raw(), username, password, "GET", "/api/items")
		h.e.GET("/api/items").WithHeader("Authorization", answer).Expect().Status(http.StatusOK)
		h.e.GET("/api/items").WithHeader("Authorization", basic(username, password)).Expect().Status(http.StatusUnauthorized)

		h.Advance(2 * time.Minute)
		stale := h.e.GET("/api/items").WithHeader("Authorization", answer).Expect().Status(http.StatusUnauthorized).Header("WWW-Authenticate")
		stale.Contains("stale=true")
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.DigestStaleNonce))
		h.e.GET("/api/items").WithHeader("Authorization", digestAnswer(stale.Raw(), username, password, "GET", "/api/items")).Expect().Status(http.StatusOK)
	})

	It("answers a wrong password to a fresh nonce without stale", func() {
		h := scenario("digest-stale-nonce")
		challenge := h.e.GET("/api/items").Expect().Header("WWW-Authenticate").Raw()
		h.e.GET("/api/items").WithHeader("Authorization", digestAnswer(challenge, username, "nope", "GET", "/api/items")).
			Expect().Status(http.StatusUnauthorized).Header("WWW-Authenticate").NotContains("stale")
	})
})

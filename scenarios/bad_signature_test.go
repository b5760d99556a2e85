package scenarios_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/journal"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("bad-signature", func() {
	// kid reads the key id from a JWT's protected header.
	kid := func(token string) string {
		GinkgoHelper()
		raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
		Expect(err).NotTo(HaveOccurred())
		var hdr struct {
			Kid string `json:"kid"`
		}
		Expect(json.Unmarshal(raw, &hdr)).To(Succeed())
		Expect(hdr.Kid).NotTo(BeEmpty())
		return hdr.Kid
	}
	// published lists the key ids /jwks serves.
	published := func(h *harness) []string {
		GinkgoHelper()
		var kids []string
		for _, k := range h.e.GET("/jwks").Expect().Status(http.StatusOK).JSON().Object().Value("keys").Array().Iter() {
			kids = append(kids, k.Object().Value("kid").String().Raw())
		}
		return kids
	}

	It("rotates the signing key after one call: the old kid leaves /jwks and its tokens get invalid_token unknown_signing_key", func() {
		h := scenario("bad-signature")
		access, _ := h.passwordToken("read")
		old := kid(access)
		Expect(published(h)).To(ConsistOf(old))

		h.bearer("/api/items", access).Status(http.StatusOK)
		after := published(h)
		Expect(after).To(HaveLen(1))
		Expect(after).NotTo(ContainElement(old))

		// exp is still in the future: nothing but the key is wrong.
		resp := h.bearer("/api/items", access).Status(http.StatusUnauthorized)
		resp.Header("WWW-Authenticate").HasPrefix("Bearer ").Contains(`error="invalid_token"`).Contains(old).Contains("not in /jwks")
		resp.JSON().Object().HasValue("reason", "unknown_signing_key")
		Expect(h.last()).To(journalEntry("/api/items", 401, journal.UnknownSigningKey))
		Expect(h.last().At).To(Equal(t0))
	})

	It("signs refreshed tokens with the new key, which /jwks publishes", func() {
		h := scenario("bad-signature")
		access, rt := h.passwordToken("read")
		h.bearer("/api/me", access).Status(http.StatusOK)
		h.bearer("/api/me", access).Status(http.StatusUnauthorized)

		fresh := h.refresh(rt).Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
		Expect(published(h)).To(ConsistOf(kid(fresh)))
		for range 3 {
			h.bearer("/api/me", fresh).Status(http.StatusOK) // rotates once, not on every call
		}
	})

	It("waits for the number of successful calls the after parameter names", func() {
		h := start(map[string]string{"after": "2"}, "bad-signature")
		access, _ := h.passwordToken("read")
		h.bearer("/api/me", access).Status(http.StatusOK)
		Expect(published(h)).To(ConsistOf(kid(access)))
		h.bearer("/api/me", access).Status(http.StatusOK)
		h.bearer("/api/me", access).Status(http.StatusUnauthorized).JSON().Object().HasValue("reason", "unknown_signing_key")
	})
})

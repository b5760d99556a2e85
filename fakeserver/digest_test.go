package fakeserver_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/internal/authn"
)

func h256(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, ":")))
	return hex.EncodeToString(sum[:])
}

// digestAnswer answers a Digest challenge as RFC 7616 §3.4.1 says.
func digestAnswer(challenge, user, password, method, uri string) string {
	params, err := authn.AuthParams(strings.TrimPrefix(challenge, "Digest "))
	Expect(err).NotTo(HaveOccurred())
	nc, cnonce := "00000001", "0a4f113b"
	resp := h256(h256(user, params["realm"], password), params["nonce"], nc, cnonce, "auth", h256(method, uri))
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=SHA-256, qop=auth, nc=%s, cnonce="%s", response="%s", opaque="%s"`,
		user, params["realm"], params["nonce"], uri, nc, cnonce, resp, params["opaque"])
}

var _ = Describe("HTTP Digest (RFC 7616)", func() {
	It("challenges with SHA-256, accepts the right answer, and says stale=true once the nonce outlives its life", func() {
		h := serve()
		Expect(h.Apply(fakeserver.Activation{{ID: "digest-stale-nonce"}})).To(Succeed())
		ch := h.e.GET("/api/items").Expect().Status(http.StatusUnauthorized).Header("WWW-Authenticate").Raw()
		Expect(ch).To(And(HavePrefix(`Digest realm="authchaos"`), ContainSubstring(`qop="auth"`), ContainSubstring("algorithm=SHA-256"), ContainSubstring(`nonce="`)))
		Expect(ch).NotTo(ContainSubstring("stale"))

		answer := digestAnswer(ch, "alice", "wonderland", "GET", "/api/items")
		h.withAuth("/api/items", answer).Status(http.StatusOK)
		h.withAuth("/api/items", digestAnswer(ch, "alice", "not-it", "GET", "/api/items")).Status(http.StatusUnauthorized).
			JSON().Object().HasValue("reason", "wrong_password")

		h.Advance(2 * time.Minute)
		stale := h.withAuth("/api/items", answer).Status(http.StatusUnauthorized)
		stale.JSON().Object().HasValue("reason", "digest_stale_nonce")
		fresh := stale.Header("WWW-Authenticate").Contains("stale=true").Raw()
		h.withAuth("/api/items", digestAnswer(fresh, "alice", "wonderland", "GET", "/api/items")).Status(http.StatusOK)
		Expect(h.journalJSON()).NotTo(ContainSubstring("wonderland"))
	})

	It("refuses a nonce it never made, and a malformed Digest header with a precise reason", func() {
		h := serve()
		Expect(h.Apply(fakeserver.Activation{{ID: "digest-stale-nonce"}})).To(Succeed())
		forged := `Digest realm="authchaos", qop="auth", algorithm=SHA-256, nonce="AAAA", opaque="x"`
		h.withAuth("/api/items", digestAnswer(forged, "alice", "wonderland", "GET", "/api/items")).Status(http.StatusUnauthorized).
			JSON().Object().Value("error_description").String().Contains("not issued by this server")
		h.withAuth("/api/items", `Digest username="alice", nonce="unterminated`).Status(http.StatusUnauthorized).
			JSON().Object().HasValue("reason", "malformed_credentials")
	})
})

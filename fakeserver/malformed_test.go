package fakeserver_test

import (
	"encoding/base64"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

var _ = Describe("Malformed credentials", func() {
	var h *harness
	BeforeEach(func() { h = serve() })

	DescribeTable("never crash the server and get 400 or 401 with a reason",
		func(status int, reason string, headers ...string) {
			req := h.e.GET("/api/items")
			for _, v := range headers {
				req = req.WithHeader("Authorization", v)
			}
			r := req.Expect()
			r.Status(status)
			body := r.JSON().Object()
			body.HasValue("reason", reason).Value("hint").String().NotEmpty()
			r.Header("WWW-Authenticate").Contains(`realm="authchaos"`)
			if len(headers) == 1 && len(headers[0]) > 24 {
				// Never echo what was sent: it may be a secret.
				Expect(r.Body().Raw()).NotTo(ContainSubstring(strings.TrimSpace(headers[0])))
			}
		},
		Entry("an empty value", http.StatusUnauthorized, "malformed_credentials", ""),
		Entry("only spaces", http.StatusUnauthorized, "malformed_credentials", "   "),
		Entry("Bearer without a token", http.StatusBadRequest, "malformed_credentials", "Bearer"),
		Entry("Bearer and spaces", http.StatusBadRequest, "malformed_credentials", "Bearer    "),
		Entry("a token with a space inside", http.StatusBadRequest, "malformed_credentials", "Bearer abc def"),
		Entry("a token with a quote", http.StatusBadRequest, "malformed_credentials", `Bearer "abc"`),
		Entry("a token with non-ASCII", http.StatusBadRequest, "malformed_credentials", "Bearer tökén"),
		Entry("a token that is not valid UTF-8", http.StatusUnauthorized, "malformed_credentials", "Bearer \xff\xfe"),
		Entry("a token that is only padding", http.StatusBadRequest, "malformed_credentials", "Bearer ==="),
		Entry("a token that is not a JWT", http.StatusUnauthorized, "malformed_token", "Bearer opaque"),
		Entry("a JWT of three empty parts", http.StatusUnauthorized, "malformed_token", "Bearer .."),
		Entry("a JWT of garbage parts", http.StatusUnauthorized, "malformed_token", "Bearer a.b.c"),
		Entry("a JWT with alg none", http.StatusUnauthorized, "malformed_token",
			"Bearer "+strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(`{"alg":"none"}`)), "=")+"."+
				strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(`{"sub":"alice","scope":"read","exp":9999999999}`)), "=")+"."),
		Entry("a JWT of four parts", http.StatusUnauthorized, "malformed_token", "Bearer a.b.c.d"),
		Entry("lower-case bearer with junk", http.StatusUnauthorized, "malformed_token", "bearer x.y.z"),
		Entry("Basic without credentials", http.StatusUnauthorized, "malformed_credentials", "Basic"),
		Entry("Basic that is not base64", http.StatusUnauthorized, "malformed_credentials", "Basic !!!!"),
		Entry("Basic in URL-safe base64", http.StatusUnauthorized, "malformed_credentials", "Basic "+base64.URLEncoding.EncodeToString([]byte("al?>:wonderland>>"))),
		Entry("Basic without a colon", http.StatusUnauthorized, "malformed_credentials", "Basic "+b64("alicewonderland")),
		Entry("Basic that is not UTF-8", http.StatusUnauthorized, "malformed_credentials", "Basic "+b64("alice:\xff\xfe")),
		Entry("Basic with an empty user", http.StatusUnauthorized, "wrong_password", "Basic "+b64(":wonderland")),
		Entry("Basic of plain text", http.StatusUnauthorized, "malformed_credentials", "Basic alice:wonderland"),
		Entry("ApiKey with a space inside", http.StatusUnauthorized, "malformed_credentials", "ApiKey ak_live authchaos"),
		Entry("ApiKey without a key", http.StatusUnauthorized, "malformed_credentials", "ApiKey"),
		Entry("a scheme that is no token", http.StatusUnauthorized, "malformed_credentials", "(Bearer) abc"),
		Entry("a bare secret with no scheme", http.StatusUnauthorized, "malformed_credentials", "ak_live_authchaos_demo_key_without_scheme"),
		Entry("a bare secret with a character no scheme has", http.StatusUnauthorized, "malformed_credentials", "=ak_live_authchaos_demo_key_without_scheme"),
		Entry("an unknown scheme", http.StatusUnauthorized, "wrong_scheme", "Hawk id=\"alice\", mac=\"x\""),
		Entry("a Digest header without its required fields", http.StatusUnauthorized, "malformed_credentials", "Digest username=\"alice\", realm=\"authchaos\""),
		Entry("a session id in Authorization", http.StatusUnauthorized, "wrong_scheme", "Cookie s_0123"),
		Entry("two Authorization headers", http.StatusUnauthorized, "malformed_credentials", "Bearer a.b.c", "ApiKey "+apiKey),
		Entry("a very long token", http.StatusUnauthorized, "malformed_token", "Bearer "+strings.Repeat("A", 60000)),
	)
})

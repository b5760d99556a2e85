package scenarios_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/internal/authn"
)

// digestAnswer answers a Digest challenge (RFC 7616 §3.4, SHA-256, qop=auth).
func digestAnswer(challenge, user, pass, method, uri string) string {
	params, err := authn.AuthParams(challenge[len("Digest "):])
	Expect(err).NotTo(HaveOccurred())
	h := func(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }
	ha1 := h(user + ":" + params["realm"] + ":" + pass)
	ha2 := h(method + ":" + uri)
	const nc, cnonce = "00000001", "0a4f113b"
	resp := h(ha1 + ":" + params["nonce"] + ":" + nc + ":" + cnonce + ":auth:" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=SHA-256, qop=auth, nc=%s, cnonce="%s", response="%s", opaque="%s"`,
		user, params["realm"], params["nonce"], uri, nc, cnonce, resp, params["opaque"])
}

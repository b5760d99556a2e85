package scenarios_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/internal/authn"
)

// dpopKey signs DPoP proofs (RFC 9449 §4) as a client does.
type dpopKey struct {
	signer jose.Signer
	n      atomic.Int64
}

func newDPoPKey() *dpopKey {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: priv}, (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	Expect(err).NotTo(HaveOccurred())
	return &dpopKey{signer: signer}
}

func (k *dpopKey) proof(method, url, token, nonce string) string {
	claims := map[string]any{"jti": "j" + strconv.FormatInt(k.n.Add(1), 10), "htm": method, "htu": url, "iat": time.Now().Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	b, _ := json.Marshal(claims)
	jws, err := k.signer.Sign(b)
	Expect(err).NotTo(HaveOccurred())
	out, err := jws.CompactSerialize()
	Expect(err).NotTo(HaveOccurred())
	return out
}

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

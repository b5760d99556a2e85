// Package dpoptest signs RFC 9449 DPoP proofs as a client does, for the
// specs of the server and of the scenarios: one key pair, a new jti per
// proof. It is test scaffolding; the reference client has its own signer
// (clients/resilient/dpop.go), a layer a workshop reads.
package dpoptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Key is a client's DPoP key pair.
type Key struct {
	signer jose.Signer
	n      atomic.Int64
}

// NewKey makes a P-256 key that signs ES256 proofs with its public jwk in
// the header. It panics only if crypto/rand or go-jose fail, which a test
// cannot recover from anyway.
func NewKey() *Key {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: priv}, (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	if err != nil {
		panic(err)
	}
	return &Key{signer: signer}
}

// Proof signs a proof for method and url at iat, for an access token
// (ath) when one is given, with a nonce when one is given.
func (k *Key) Proof(method, url string, iat time.Time, token, nonce string) string {
	claims := map[string]any{"jti": "p" + strconv.FormatInt(k.n.Add(1), 10), "htm": method, "htu": url, "iat": iat.Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	b, _ := json.Marshal(claims) // a map of strings and numbers always encodes
	jws, err := k.signer.Sign(b)
	if err != nil {
		panic(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return out
}

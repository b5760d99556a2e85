// DPoP (RFC 9449): the client proves, on every token request and API
// call, that it holds the private key its tokens are bound to. A stolen
// DPoP token is useless without the key.

package resilient

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// DPoP is the scheme a DPoP-bound token goes with (RFC 9449 §7.1).
const DPoP = "DPoP"

// dpopKey is one client's proof key (ES256) and the server's latest
// nonce. The key lives as long as the client: a new key would orphan
// every token bound to the old one.
type dpopKey struct {
	signer jose.Signer

	mu     sync.Mutex
	nonces map[string]string // origin: its latest DPoP-Nonce (§8.2, §9: each server its own)
}

func newDPoPKey() (*dpopKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("DPoP key: %w", err)
	}
	// The proof's header carries the public key (jwk) and typ dpop+jwt (§4.2).
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: priv}, opts)
	if err != nil {
		return nil, fmt.Errorf("DPoP signer: %w", err)
	}
	return &dpopKey{signer: signer, nonces: map[string]string{}}, nil
}

// proof signs a new proof for one request: a fresh jti each time (the
// server refuses a replay), htu without query or fragment (§4.2), ath the
// hash of the access token it comes with, and the server's nonce if any.
func (k *dpopKey) proof(method string, target *url.URL, accessToken string) (string, error) {
	htu, _, _ := strings.Cut(target.String(), "#")
	htu, _, _ = strings.Cut(htu, "?")
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	claims := map[string]any{"jti": hex.EncodeToString(jti), "htm": method, "htu": htu, "iat": time.Now().Unix()}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if n := k.latestNonce(target); n != "" {
		claims["nonce"] = n
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := k.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("signing the DPoP proof: %w", err)
	}
	return jws.CompactSerialize()
}

func (k *dpopKey) latestNonce(u *url.URL) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.nonces[originOf(u)]
}

// remember keeps the nonce an answer supplies, for the next proof to the
// same server.
func (k *dpopKey) remember(u *url.URL, resp *http.Response) {
	if n := resp.Header.Get("DPoP-Nonce"); n != "" {
		k.mu.Lock()
		k.nonces[originOf(u)] = n
		k.mu.Unlock()
	}
}

type proofKey struct{}

// withProof marks a token request as one that carries a DPoP proof.
func withProof(ctx context.Context) context.Context { return context.WithValue(ctx, proofKey{}, true) }

// dpopLayer signs a proof for every request that needs one (a token
// request, or an API call with a DPoP token) at the moment it is sent,
// so each retry and redirect hop gets its own, and keeps the nonce of
// every answer.
type dpopLayer struct {
	next http.RoundTripper
	key  *dpopKey
}

func (l *dpopLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	token, bound := strings.CutPrefix(req.Header.Get("Authorization"), DPoP+" ")
	if marked, _ := req.Context().Value(proofKey{}).(bool); marked || bound {
		if !bound {
			token = ""
		}
		p, err := l.key.proof(req.Method, req.URL, token)
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Header.Set("DPoP", p)
	}
	resp, err := l.next.RoundTrip(req)
	if err == nil {
		l.key.remember(req.URL, resp)
	}
	return resp, err
}

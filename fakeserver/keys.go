package fakeserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// signingAlg is ES256: every JOSE library and OIDC client accepts it, and
// its keys generate in microseconds, so rotating keys in tests is free.
const signingAlg = jose.ES256

// keyring holds the one signing key, whose public half JWKS publishes. A
// rotation replaces it outright, which is the fault: tokens signed with the
// old key no longer verify.
type keyring struct {
	mu     sync.RWMutex
	kid    string
	signer jose.Signer
	pub    *ecdsa.PublicKey

	// checked caches what a signature verification proved, keyed by the
	// whole token (not its fingerprint: a 48-bit fingerprint could be
	// matched by a forged token). Only the ECDSA check is skipped on a
	// hit; the key's presence in JWKS, the issuer, exp and nbf on the
	// virtual clock, and revocation are judged on every request.
	cmu     sync.Mutex
	checked map[string]checkedToken
}

// checkedToken is a token whose signature verified with key kid.
type checkedToken struct {
	kid    string
	claims jwt.Claims
	extra  accessClaims
}

// maxChecked bounds the verification cache; a full cache starts afresh,
// which costs one ECDSA check per live token.
const maxChecked = 4096

func newKeyring() (*keyring, error) {
	k := &keyring{}
	return k, k.rotate()
}

// rotate signs with a fresh key from now on and drops every older key from
// JWKS at once, with no overlap: that is the fault bad-signature teaches.
func (k *keyring) rotate() error {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate signing key: %w", err)
	}
	kid := randomHex(8)
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: signingAlg, Key: jose.JSONWebKey{Key: priv, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return fmt.Errorf("signer: %w", err)
	}
	k.mu.Lock()
	k.kid, k.signer, k.pub = kid, signer, &priv.PublicKey
	k.mu.Unlock()
	k.cmu.Lock()
	k.checked = nil // every cached token names a kid that is gone
	k.cmu.Unlock()
	return nil
}

func (k *keyring) jwks() jose.JSONWebKeySet {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.pub, KeyID: k.kid, Algorithm: string(signingAlg), Use: "sig"}}}
}

// accessClaims are the JWT claims of an access token beyond the
// registered ones.
type accessClaims struct {
	Scope    string        `json:"scope,omitempty"`
	ClientID string        `json:"client_id,omitempty"`
	Name     string        `json:"name,omitempty"`
	Cnf      *confirmation `json:"cnf,omitempty"`
	// ACR and AuthTime say how and when the user authenticated (OpenID
	// Connect Core §2, RFC 9470 §2): "pwd" or "mfa".
	ACR      string `json:"acr,omitempty"`
	AuthTime int64  `json:"auth_time,omitempty"`
}

// confirmation is RFC 7800's cnf claim, as RFC 9449 §6 binds a token to
// the DPoP key whose thumbprint it names.
type confirmation struct {
	JKT string `json:"jkt"`
}

func (k *keyring) sign(claims jwt.Claims, extra any) (string, error) {
	k.mu.RLock()
	signer := k.signer
	k.mu.RUnlock()
	raw, err := jwt.Signed(signer).Claims(claims).Claims(extra).Serialize()
	if err != nil {
		return "", err
	}
	return lowS(raw)
}

// p256HalfOrder is n/2 for P-256: an ECDSA signature (r, s) and its twin
// (r, n-s) both verify, so only s <= n/2 is accepted (and produced), and
// a token has exactly one valid encoding.
var p256HalfOrder = new(big.Int).Rsh(elliptic.P256().Params().N, 1)

// lowS rewrites a compact ES256 JWS whose s is in the upper half to its
// low-s twin, which verifies the same.
func lowS(compact string) (string, error) {
	i := strings.LastIndexByte(compact, '.')
	sig, err := base64.RawURLEncoding.DecodeString(compact[i+1:])
	if err != nil || len(sig) != 64 {
		return "", fmt.Errorf("ES256 signature of %d bytes", len(sig))
	}
	sv := new(big.Int).SetBytes(sig[32:])
	if sv.Cmp(p256HalfOrder) <= 0 {
		return compact, nil
	}
	sv.Sub(elliptic.P256().Params().N, sv)
	sv.FillBytes(sig[32:])
	return compact[:i+1] + base64.RawURLEncoding.EncodeToString(sig), nil
}

// highS reports whether a compact JWS carries a 64-byte signature whose s
// is in the upper half: the malleable twin of a real token.
func highS(compact string) bool {
	i := strings.LastIndexByte(compact, '.')
	sig, err := base64.RawURLEncoding.DecodeString(compact[i+1:])
	return err == nil && len(sig) == 64 && new(big.Int).SetBytes(sig[32:]).Cmp(p256HalfOrder) > 0
}

// tokenError is why a token did not verify: a reason for the journal and
// a description for the client.
type tokenError struct {
	Reason      journal.Reason
	Description string
}

func (e *tokenError) Error() string { return e.Description }

// verify checks signature, issuer and time window of a JWT. now is the
// judging clock (possibly skewed). It never panics on hostile input: the
// JOSE library parses, we only compare.
func (k *keyring) verify(raw, issuer string, now time.Time) (jwt.Claims, accessClaims, error) {
	t, err := k.signature(raw)
	if err != nil {
		return t.claims, t.extra, err
	}
	return t.claims, t.extra, checkWindow(t, issuer, now)
}

// checkWindow judges a token's issuer and time window on the clock now,
// whatever its format.
func checkWindow(t checkedToken, issuer string, now time.Time) error {
	claims := t.claims
	if claims.Issuer != issuer {
		return &tokenError{journal.WrongIssuer, fmt.Sprintf("token issuer %q is not %q", claims.Issuer, issuer)}
	}
	if claims.Expiry == nil {
		return &tokenError{journal.MalformedToken, "token has no exp claim"}
	}
	// RFC 7519 §4.1.4: exp is the time "on or after which the JWT MUST
	// NOT be accepted", so the token dies at exp itself, as refresh tokens
	// and sessions do.
	if !now.Before(claims.Expiry.Time()) {
		return &tokenError{journal.TokenExpired, fmt.Sprintf("token expired at %s (server time %s)", claims.Expiry.Time().UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))}
	}
	if claims.NotBefore != nil && now.Before(claims.NotBefore.Time()) {
		return &tokenError{journal.TokenNotYetValid, fmt.Sprintf("token is not valid before %s (server time %s)", claims.NotBefore.Time().UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))}
	}
	return nil
}

// signature checks that raw is a JWS signed by the key JWKS publishes now,
// from the cache when it has seen raw verify before.
func (k *keyring) signature(raw string) (checkedToken, error) {
	k.cmu.Lock()
	t, hit := k.checked[raw]
	k.cmu.Unlock()
	k.mu.RLock()
	pub, current := k.pub, k.kid
	k.mu.RUnlock()
	if hit {
		if t.kid != current { // rotated after the token was cached
			return checkedToken{}, &tokenError{journal.UnknownSigningKey, fmt.Sprintf("token is signed with key %q, which is not in /jwks (the signing key was rotated)", t.kid)}
		}
		return t, nil
	}
	if strings.Count(raw, ".") != 2 {
		return t, &tokenError{journal.MalformedToken, fmt.Sprintf("token is not a JWT: want 3 dot-separated parts, got %d", strings.Count(raw, ".")+1)}
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{signingAlg})
	if err != nil {
		return t, &tokenError{journal.MalformedToken, "token is not a valid JWS: " + err.Error()}
	}
	if len(tok.Headers) != 1 {
		return t, &tokenError{journal.MalformedToken, "token must carry exactly one signature"}
	}
	if highS(raw) {
		return t, &tokenError{journal.BadSignature, "token signature is not in canonical low-s form (the twin of a real signature is refused)"}
	}
	kid := tok.Headers[0].KeyID
	if kid != current {
		return t, &tokenError{journal.UnknownSigningKey, fmt.Sprintf("token is signed with key %q, which is not in /jwks (the signing key was rotated)", kid)}
	}
	t.kid = kid
	if err := tok.Claims(pub, &t.claims, &t.extra); err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return t, &tokenError{journal.BadSignature, "token signature does not verify with key " + kid}
		}
		// Signed by our key, so this is not a forgery: the claims do not
		// decode (a claim of the wrong type).
		return t, &tokenError{journal.MalformedToken, "token claims do not decode: " + err.Error()}
	}
	k.cmu.Lock()
	if k.checked == nil || len(k.checked) >= maxChecked {
		k.checked = make(map[string]checkedToken)
	}
	k.checked[raw] = t
	k.cmu.Unlock()
	return t, nil
}

var errNoRandom = errors.New("crypto/rand failed")

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errNoRandom) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

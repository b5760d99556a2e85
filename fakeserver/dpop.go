package fakeserver

import (
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

// RFC 9449 DPoP: a client proves, request by request, that it holds the
// private key its access token is bound to. The server checks the proof's
// signature with the key it carries, its type, method, URL, age on the
// virtual clock, that its jti is new, the access token's hash, and, when
// the active scenario asks for one, the server's current nonce.

// dpopAlgs are the proof algorithms accepted: asymmetric only (§4.2).
var dpopAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.ES512, jose.RS256, jose.PS256, jose.EdDSA}

func dpopAlgNames() []string {
	names := make([]string, len(dpopAlgs))
	for i, a := range dpopAlgs {
		names[i] = string(a)
	}
	return names
}

// dpopWindow is how far a proof's iat may be from the server's clock.
const dpopWindow = time.Minute

// dpopClaims are a proof's claims (§4.2).
type dpopClaims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	ATH   string `json:"ath,omitempty"`
	Nonce string `json:"nonce,omitempty"`
}

// dpopError is a refused proof: the RFC 9449 error code and why.
type dpopError struct {
	code        string // invalid_dpop_proof or use_dpop_nonce
	reason      journal.Reason
	description string
}

// dpopReplay remembers the jtis of recent proofs, on the virtual clock, so
// a captured proof cannot be sent twice (§11.1). Entries go once their
// proof is too old to be accepted anyway; the set is capped.
type dpopReplay struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

const maxDPoPJTIs = 100_000

// fresh records jti and reports whether it was new.
func (d *dpopReplay) fresh(jti string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[string]time.Time{}
	}
	if _, dup := d.seen[jti]; dup {
		return false
	}
	if len(d.seen) >= maxDPoPJTIs {
		for k, until := range d.seen {
			if now.After(until) || len(d.seen) >= maxDPoPJTIs {
				delete(d.seen, k)
			}
		}
	}
	d.seen[jti] = now.Add(2 * dpopWindow)
	return true
}

// dpopNonce is the server nonce valid now, when the realm asks for one.
func (s *Server) dpopNonce(st *realm, now time.Time) string {
	if st.knobs.DPoPNonce <= 0 {
		return ""
	}
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(now.UnixNano()/int64(st.knobs.DPoPNonce)))
	mac := hmac.New(sha256.New, s.nonceKey)
	mac.Write(n[:])
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// checkDPoP verifies the request's DPoP proof for the URL htu and, at the
// API, the access token it accompanies. It returns the thumbprint of the
// proof's key (RFC 7638), which a token is bound to.
func (s *Server) checkDPoP(r *http.Request, st *realm, htu, accessToken string) (string, *dpopError) {
	bad := func(format string, args ...any) *dpopError {
		return &dpopError{code: "invalid_dpop_proof", reason: journal.InvalidDPoPProof, description: fmt.Sprintf(format, args...)}
	}
	proofs := r.Header.Values("DPoP")
	switch {
	case len(proofs) == 0:
		return "", bad("a DPoP header with a proof is required")
	case len(proofs) > 1:
		return "", bad("%d DPoP headers, want one", len(proofs))
	}
	jws, err := jose.ParseSignedCompact(proofs[0], dpopAlgs)
	if err != nil {
		return "", bad("the proof is not a compact JWS signed with one of %s: %v", strings.Join(dpopAlgNames(), ", "), err)
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "dpop+jwt" {
		return "", bad("the proof's typ is %q, want dpop+jwt", typ)
	}
	if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() || !h.JSONWebKey.Valid() {
		return "", bad("the proof's header must carry the public key (jwk) it is signed with, and no private part")
	}
	payload, err := jws.Verify(h.JSONWebKey)
	if err != nil {
		return "", bad("the proof's signature does not verify with the jwk it carries")
	}
	var c dpopClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", bad("the proof's claims do not decode: %v", err)
	}
	now := s.clock.Now()
	switch {
	case c.JTI == "":
		return "", bad("the proof has no jti")
	case c.HTM != r.Method:
		return "", bad("the proof's htm is %q, but the request is %s", c.HTM, r.Method)
	case !sameHTU(c.HTU, htu):
		return "", bad("the proof's htu is %q, but the request is for %s", c.HTU, htu)
	case st.knobs.DPoPNonce <= 0 && now.Sub(time.Unix(c.IAT, 0)).Abs() > dpopWindow:
		// With a server nonce, the nonce is the server-managed timestamp
		// that bounds the proof's age (§4.3 step 11, §11.1), so iat is
		// not held against the virtual clock, which tests move by hours.
		return "", bad("the proof's iat (%s) is more than %s from the server's clock (%s)", time.Unix(c.IAT, 0).UTC().Format(time.RFC3339), dpopWindow, now.UTC().Format(time.RFC3339))
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if c.ATH != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return "", bad("the proof's ath is not the hash of the access token it comes with")
		}
	}
	if want := s.dpopNonce(st, now); want != "" && c.Nonce != want {
		what := "carries no nonce"
		if c.Nonce != "" {
			what = "carries a nonce that is not the current one"
		}
		return "", &dpopError{code: "use_dpop_nonce", reason: journal.UseDPoPNonce,
			description: "the proof " + what + ": retry with the nonce in the DPoP-Nonce header"}
	}
	thumb, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", bad("the proof's jwk has no thumbprint: %v", err)
	}
	jkt := base64.RawURLEncoding.EncodeToString(thumb)
	// Checked last, so a proof refused for its nonce can be sent again
	// with the nonce and a new jti without tripping over the first.
	if !s.dpopSeen.fresh(jkt+"|"+c.JTI, now) {
		return "", bad("the proof's jti was used before: every request needs a new proof")
	}
	return jkt, nil
}

// sameHTU compares a proof's htu with the request URL, ignoring query and
// fragment (§4.3) and the case of scheme and host.
func sameHTU(got, want string) bool {
	got, _, _ = strings.Cut(got, "#")
	got, _, _ = strings.Cut(got, "?")
	return strings.EqualFold(got, want) || got == want
}

// requestURL is the URL a proof must name for r: this server's origin and
// the path.
func (s *Server) requestURL(r *http.Request) string { return s.issuerFor(r) + r.URL.Path }

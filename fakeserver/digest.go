package fakeserver

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
)

// HTTP Digest (RFC 7616) with SHA-256 and qop=auth, on any route a
// scenario opens to the Digest scheme. Nonces are stateless: the virtual
// time they were made at and a MAC over it, so a nonce older than its
// lifetime is known to be this server's and merely stale, and the client
// is told stale=true: retry with the new nonce, the password was right.

// digestNonceTTL is a nonce's life unless the scenario sets one.
const digestNonceTTL = 5 * time.Minute

func (st *realm) digestTTL() time.Duration {
	if st.knobs.DigestNonceTTL > 0 {
		return st.knobs.DigestNonceTTL
	}
	return digestNonceTTL
}

func (s *Server) digestNonce(at time.Time) string {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(at.UnixNano()))
	mac := hmac.New(sha256.New, s.nonceKey)
	mac.Write([]byte("digest"))
	mac.Write(ts[:])
	return base64.RawURLEncoding.EncodeToString(append(ts[:], mac.Sum(nil)[:16]...))
}

// nonceAge returns how old a nonce of ours is, or false for one we never
// made.
func (s *Server) nonceAge(nonce string, now time.Time) (time.Duration, bool) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 24 {
		return 0, false
	}
	if !hmac.Equal([]byte(s.digestNonce(time.Unix(0, int64(binary.BigEndian.Uint64(b[:8]))))), []byte(nonce)) {
		return 0, false
	}
	return now.Sub(time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))), true
}

// digestParams are a Digest challenge's auth-params after the realm.
func (s *Server) digestParams(st *realm, stale bool) []fault.AuthParam {
	p := []fault.AuthParam{
		{Name: "qop", Value: "auth"},
		{Name: "algorithm", Value: "SHA-256", Token: true},
		{Name: "nonce", Value: s.digestNonce(s.clock.Now())},
		{Name: "opaque", Value: "authchaos"},
	}
	if stale {
		p = append(p, fault.AuthParam{Name: "stale", Value: "true", Token: true})
	}
	return p
}

func sha256hex(parts ...string) string {
	h := sha256.New()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte(":"))
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// digestAuthenticate checks a Digest response (RFC 7616 §3.4.1).
func (s *Server) digestAuthenticate(r *http.Request, st *realm, cred authn.Credential) (principal, *fault.Challenge) {
	p := cred.Params
	refuse := func(reason journal.Reason, desc string) (principal, *fault.Challenge) {
		return principal{}, &fault.Challenge{Scheme: authn.Digest, Reason: reason, Description: desc,
			Hint: "answer the Digest challenge again with the current nonce"}
	}
	switch {
	case p["algorithm"] != "SHA-256":
		return refuse(journal.MalformedCredentials, "algorithm must be SHA-256 (RFC 7616 §3.3), got "+p["algorithm"])
	case p["qop"] != "auth":
		return refuse(journal.MalformedCredentials, "qop must be auth")
	case p["realm"] != s.cfg.Realm:
		return refuse(journal.MalformedCredentials, "realm is not this server's")
	case p["uri"] != r.URL.RequestURI():
		return refuse(journal.MalformedCredentials, "uri does not match the request")
	}
	now := s.clock.Now()
	age, ours := s.nonceAge(p["nonce"], now)
	if !ours {
		return refuse(journal.MalformedCredentials, "the nonce was not issued by this server")
	}
	st.mu.Lock()
	u, known := st.users[cred.User]
	password := ""
	if known {
		password = u.password
	}
	st.mu.Unlock()
	want := sha256hex(sha256hex(cred.User, s.cfg.Realm, password), p["nonce"], p["nc"], p["cnonce"], "auth", sha256hex(r.Method, p["uri"]))
	if !known || subtle.ConstantTimeCompare([]byte(want), []byte(cred.Secret)) != 1 {
		return refuse(journal.WrongPassword, "the Digest response does not match: username or password is wrong")
	}
	if age > st.digestTTL() {
		// The password was right: only the nonce is old (§3.3 stale).
		return principal{}, &fault.Challenge{Scheme: authn.Digest, Reason: journal.DigestStaleNonce,
			Description: "the nonce is stale", Hint: "retry at once with the new nonce; the credentials are right",
			Params: s.digestParams(st, true)}
	}
	return principal{user: u.name, scopes: u.scopes, roles: u.roles}, nil
}

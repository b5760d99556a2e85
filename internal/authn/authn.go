// Package authn parses the credentials a request presents.
//
// It is the only code in authchaos that reads an Authorization header or a
// session cookie, and it never trusts them: every malformed form gets a
// *MalformedError that says what was expected, so the fake server can answer
// 400/401 with a precise reason instead of a guess.
package authn

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Scheme names as they appear in the journal.
const (
	Bearer = "Bearer"
	Basic  = "Basic"
	APIKey = "ApiKey"
	Cookie = "Cookie"
	None   = "none"
	// DPoP is RFC 9449's scheme: an access token bound to a key, sent
	// with a proof of possession in the DPoP header.
	DPoP = "DPoP"
	// Digest is RFC 7616's challenge-response scheme.
	Digest = "Digest"
)

// SessionCookie is the name of the fake server's session cookie.
const SessionCookie = "authchaos_session"

// Credential is what a request presents. Secret is the token, API key,
// password or session id; it must never be logged, only fingerprinted.
type Credential struct {
	// Params are a Digest credential's auth-params (RFC 7616 §3.4).
	Params map[string]string
	Scheme string // Bearer, Basic, ApiKey, Cookie, none, or an unknown scheme as sent
	User   string // Basic only
	Secret string
}

// Fingerprinter names secrets one-way under a key of its own: enough to
// tell two credentials apart in one server's journal, and useless against
// a dictionary, since without the key a guessed password's fingerprint
// cannot be computed (a plain hash of "alice:wonderland" could be).
type Fingerprinter struct{ key []byte }

// NewFingerprinter returns a Fingerprinter with a fresh random key.
func NewFingerprinter() Fingerprinter {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand does not fail on supported platforms
	return Fingerprinter{key: key}
}

// Of returns the fingerprint of a secret, "" for none.
func (f Fingerprinter) Of(secret string) string {
	if secret == "" {
		return ""
	}
	mac := hmac.New(sha256.New, f.key)
	mac.Write([]byte(secret))
	return "hmac-sha256:" + hex.EncodeToString(mac.Sum(nil)[:6])
}

// Credential identifies a presented credential without revealing it.
func (f Fingerprinter) Credential(c Credential) string {
	switch c.Scheme {
	case None:
		return ""
	case Basic:
		return f.Of(c.User + ":" + c.Secret)
	case Digest:
		return f.Of("digest:" + c.User) // the response changes every request; the user does not
	}
	return f.Of(c.Secret)
}

// MalformedError says why a credential could not be read.
type MalformedError struct {
	Scheme string
	Reason string
}

func (e *MalformedError) Error() string {
	if e.Scheme == "" {
		return "malformed Authorization header: " + e.Reason
	}
	return "malformed " + e.Scheme + " credentials: " + e.Reason
}

// FromRequest reads the request's credential: the Authorization header if
// present, else the session cookie, else none. A malformed header is an
// error even when a cookie is also present, because a server that silently
// falls back hides the client's bug.
func FromRequest(r *http.Request) (Credential, error) {
	if hs := r.Header.Values("Authorization"); len(hs) > 0 {
		if len(hs) > 1 {
			return Credential{Scheme: None}, &MalformedError{Reason: fmt.Sprintf("%d Authorization headers, want one", len(hs))}
		}
		return ParseAuthorization(hs[0])
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return Credential{Scheme: Cookie, Secret: c.Value}, nil
	}
	return Credential{Scheme: None}, nil
}

// ParseAuthorization parses an Authorization header value (RFC 7235 §2.1):
// a scheme, one or more spaces, and the credentials.
func ParseAuthorization(h string) (Credential, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return Credential{Scheme: None}, &MalformedError{Reason: "empty value, want \"SCHEME CREDENTIALS\""}
	}
	if !utf8.ValidString(h) {
		return Credential{Scheme: None}, &MalformedError{Reason: "not valid UTF-8"}
	}
	scheme, rest, ok := strings.Cut(h, " ")
	rest = strings.TrimLeft(rest, " ")
	if !isToken(scheme) {
		return Credential{Scheme: None}, &MalformedError{Reason: fmt.Sprintf("scheme %q is not an RFC 7235 token", clip(scheme))}
	}
	canonical := canonicalScheme(scheme)
	if !ok || rest == "" {
		return Credential{Scheme: canonical}, &MalformedError{Scheme: canonical, Reason: "no credentials after the scheme"}
	}
	// "ApiKey ApiKey ak_..." or "Bearer Bearer eyJ...": the stored value
	// already carried the scheme and the client added it again.
	if again, _, _ := strings.Cut(rest, " "); strings.EqualFold(again, scheme) {
		return Credential{Scheme: canonical}, &MalformedError{Scheme: canonical,
			Reason: fmt.Sprintf("the scheme appears twice (%q): the credential value already starts with %q, send the scheme once", scheme+" "+again+" ...", again+" ")}
	}
	switch canonical {
	case Bearer, DPoP:
		if !isB64Token(rest) {
			return Credential{Scheme: canonical}, &MalformedError{Scheme: canonical, Reason: "token has characters outside RFC 6750 b64token (letters, digits, -._~+/ and trailing =)"}
		}
		return Credential{Scheme: canonical, Secret: rest}, nil
	case Basic:
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return Credential{Scheme: Basic}, &MalformedError{Scheme: Basic, Reason: "credentials are not standard base64 of \"user:password\""}
		}
		user, pass, found := strings.Cut(string(raw), ":")
		if !found {
			return Credential{Scheme: Basic}, &MalformedError{Scheme: Basic, Reason: "decoded credentials have no ':' between user and password"}
		}
		if !utf8.ValidString(user) || !utf8.ValidString(pass) {
			return Credential{Scheme: Basic}, &MalformedError{Scheme: Basic, Reason: "decoded credentials are not UTF-8"}
		}
		return Credential{Scheme: Basic, User: user, Secret: pass}, nil
	case Digest:
		params, err := AuthParams(rest)
		if err != nil {
			return Credential{Scheme: Digest}, &MalformedError{Scheme: Digest, Reason: err.Error()}
		}
		if params["username"] == "" || params["response"] == "" || params["nonce"] == "" || params["uri"] == "" {
			return Credential{Scheme: Digest}, &MalformedError{Scheme: Digest, Reason: "username, realm, nonce, uri and response are required (RFC 7616 §3.4)"}
		}
		return Credential{Scheme: Digest, User: params["username"], Secret: params["response"], Params: params}, nil
	case APIKey:
		if strings.ContainsAny(rest, " \t") {
			return Credential{Scheme: APIKey}, &MalformedError{Scheme: APIKey, Reason: "key contains whitespace"}
		}
		return Credential{Scheme: APIKey, Secret: rest}, nil
	}
	// An unknown scheme is well formed; whether the route accepts it is
	// the server's decision (wrong-scheme), not a parse error.
	return Credential{Scheme: scheme, Secret: rest}, nil
}

func canonicalScheme(s string) string {
	for _, known := range []string{Bearer, Basic, APIKey, DPoP, Digest} {
		if strings.EqualFold(s, known) {
			return known
		}
	}
	return s
}

// isToken reports whether s is an RFC 7230 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if c >= 0x80 || c <= ' ' || strings.IndexByte("\"(),/:;<=>?@[\\]{}\x7f", c) >= 0 {
			return false
		}
	}
	return true
}

// isB64Token reports whether s matches RFC 6750's b64token.
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := range len(body) {
		c := body[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~+/", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// AuthParams parses a comma-separated list of RFC 7235 §2.1 auth-params,
// name=token or name="quoted string", as Digest credentials carry them.
// Names are lower-cased; a repeated name is an error.
func AuthParams(s string) (map[string]string, error) {
	out := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return out, nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("auth-param %q has no '='", clip(s))
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		if !isToken(name) {
			return nil, fmt.Errorf("auth-param name %q is not a token", clip(name))
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		var value string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i, closed := 1, false
			for ; i < len(s); i++ {
				switch c := s[i]; c {
				case '\\':
					if i+1 < len(s) {
						i++
						b.WriteByte(s[i])
					}
				case '"':
					closed = true
				default:
					b.WriteByte(c)
				}
				if closed {
					break
				}
			}
			if !closed {
				return nil, fmt.Errorf("auth-param %s: unterminated quoted string", name)
			}
			value, s = b.String(), s[i+1:]
		} else {
			end := strings.IndexAny(s, ", \t")
			if end < 0 {
				end = len(s)
			}
			value, s = s[:end], s[end:]
			if !isToken(value) {
				return nil, fmt.Errorf("auth-param %s: value %q is neither a token nor a quoted string", name, clip(value))
			}
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("auth-param %s appears twice", name)
		}
		out[name] = value
		s = strings.TrimLeft(s, " \t")
		if s != "" && s[0] != ',' {
			return nil, fmt.Errorf("auth-param %s: want ',' after its value", name)
		}
	}
}

package fakeserver

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/internal/authn"
)

// The fuzz targets hold the fake server to two promises: hostile input
// never crashes it or gets a 5xx, and nothing it did not issue is ever
// accepted. Each process mints its own keys, so the oracles compare what
// was signed, never token strings from another process's corpus.

var fuzzT0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const fuzzIssuer = "http://fuzz.example"

// minted is what a keyring really signed: the decoded header and claims
// of each token, by jti.
type minted map[string][2][]byte

// signedParts decodes the header and claims of a compact JWS as go-jose
// does, or reports false.
func signedParts(raw string) (header, claims []byte, ok bool) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, nil, false
	}
	h, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	c, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	return h, c, err1 == nil && err2 == nil
}

// issued reports whether raw carries exactly a header and claims the
// keyring signed. (The signature bytes may differ: ECDSA signatures are
// malleable, and that forges nothing.)
func (m minted) issued(raw, jti string) bool {
	want, ok := m[jti]
	if !ok {
		return false
	}
	h, c, ok := signedParts(raw)
	return ok && bytes.Equal(h, want[0]) && bytes.Equal(c, want[1])
}

func (m minted) add(t testing.TB, raw string) string {
	t.Helper()
	h, c, ok := signedParts(raw)
	if !ok {
		t.Fatalf("minted token %q does not split", raw)
	}
	var claims struct {
		ID string `json:"jti"`
	}
	if err := json.Unmarshal(c, &claims); err != nil {
		t.Fatal(err)
	}
	m[claims.ID] = [2][]byte{h, c}
	return raw
}

// forgeries are tokens an attacker can make: signed by another key under
// our kid, HMAC with our public key as the secret (algorithm confusion),
// alg none, and a valid token's claims with an edited payload.
func forgeries(t testing.TB, k *keyring, real string) []string {
	t.Helper()
	claims := jwt.Claims{Issuer: fuzzIssuer, Subject: "alice", ID: "forged", Expiry: jwt.NewNumericDate(fuzzT0.Add(time.Hour)),
		NotBefore: jwt.NewNumericDate(fuzzT0.Add(-time.Hour))}
	extra := accessClaims{Scope: "read write admin"}
	var out []string

	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k.mu.RLock()
	kid := k.kid
	pub := k.pub
	k.mu.RUnlock()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: other, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	forged, err := jwt.Signed(sig).Claims(claims).Claims(extra).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, forged)

	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	for _, secret := range [][]byte{der, elliptic.MarshalCompressed(elliptic.P256(), pub.X, pub.Y)} {
		head := enc([]byte(`{"alg":"HS256","kid":"` + kid + `","typ":"JWT"}`))
		body := enc([]byte(`{"iss":"` + fuzzIssuer + `","sub":"alice","jti":"forged","scope":"read","exp":9999999999}`))
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(head + "." + body))
		out = append(out, head+"."+body+"."+enc(mac.Sum(nil)))
	}
	out = append(out, enc([]byte(`{"alg":"none","kid":"`+kid+`"}`))+"."+enc([]byte(`{"iss":"`+fuzzIssuer+`","sub":"alice","exp":9999999999}`))+".")

	parts := strings.Split(real, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = bytes.Replace(payload, []byte(`"read"`), []byte(`"admin"`), 1)
	out = append(out, parts[0]+"."+enc(payload)+"."+parts[2])
	return out
}

// FuzzVerifyToken feeds keyring.verify arbitrary strings and real tokens
// with one byte changed: it must never panic, and must accept only what
// the keyring signed.
func FuzzVerifyToken(f *testing.F) {
	k, err := newKeyring()
	if err != nil {
		f.Fatal(err)
	}
	m := minted{}
	sign := func(sub, scope string, ttl time.Duration) string {
		raw, err := k.sign(jwt.Claims{Issuer: fuzzIssuer, Subject: sub, ID: randomHex(12), Audience: jwt.Audience{"authchaos-client"},
			IssuedAt: jwt.NewNumericDate(fuzzT0), NotBefore: jwt.NewNumericDate(fuzzT0), Expiry: jwt.NewNumericDate(fuzzT0.Add(ttl))},
			accessClaims{Scope: scope, ClientID: "authchaos-client"})
		if err != nil {
			f.Fatal(err)
		}
		return m.add(f, raw)
	}
	real := []string{sign("alice", "read", time.Hour), sign("bob", "read write", time.Minute), sign("authchaos-client", "", time.Hour)}
	for _, raw := range append(append([]string{}, real...), forgeries(f, k, real[0])...) {
		f.Add(raw, uint8(0), uint16(0), byte(0))
	}
	for _, s := range []string{"", ".", "..", "a.b.c", "eyJ.eyJ.", "e30.e30.", strings.Repeat("A", 4096) + ".." + "A", "\x00.\xff.\n"} {
		f.Add(s, uint8(1), uint16(7), byte('A'))
	}
	for i := range 120 {
		f.Add("", uint8(i%len(real)), uint16(i*3), byte("AaZz0_-.=+/"[i%11]))
	}

	f.Fuzz(func(t *testing.T, raw string, which uint8, pos uint16, b byte) {
		check := func(tok string) {
			claims, _, err := k.verify(tok, fuzzIssuer, fuzzT0.Add(30*time.Second))
			if err == nil && !m.issued(tok, claims.ID) {
				t.Fatalf("accepted a token the keyring never signed: %q (claims %+v)", tok, claims)
			}
			if err != nil {
				var te *tokenError
				if !errors.As(err, &te) {
					t.Fatalf("error %T %v is not a *tokenError", err, err)
				}
			}
		}
		check(raw)
		tok := []byte(real[int(which)%len(real)])
		tok[int(pos)%len(tok)] = b
		check(string(tok))
	})
}

// fuzzServer is a healthy server judged at a fixed issuer, so tokens
// minted here verify on requests httptest addresses to example.com.
func fuzzServer(t testing.TB) *Server {
	s, err := New(WithClock(clock.Frozen(fuzzT0)), WithIssuer("http://example.com"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// FuzzAPIRequest sends an arbitrary Authorization header to an arbitrary
// path through the whole handler: never a 5xx, and never a 200 for
// /api/items unless the header was a valid credential.
func FuzzAPIRequest(f *testing.F) {
	s := fuzzServer(f)
	m := minted{}
	access, _, err := s.MintToken("alice", "read")
	if err != nil {
		f.Fatal(err)
	}
	m.add(f, access)
	noScope, _, err := s.MintToken("alice", "write")
	if err != nil {
		f.Fatal(err)
	}
	m.add(f, noScope)
	users := map[string]string{}
	for _, u := range s.cfg.Users {
		users[u.Username] = u.Password
	}
	keys := map[string]bool{}
	for _, k := range s.cfg.APIKeys {
		keys[k.Key] = true
	}
	// valid is the oracle, built on the separately fuzzed parser, not on
	// the code under test.
	valid := func(header string) bool {
		cred, err := authn.ParseAuthorization(header)
		if err != nil {
			return false
		}
		switch cred.Scheme {
		case authn.Basic:
			pass, ok := users[cred.User]
			return ok && pass == cred.Secret
		case authn.APIKey:
			return keys[cred.Secret]
		case authn.Bearer:
			var claims struct {
				ID string `json:"jti"`
			}
			_, c, ok := signedParts(cred.Secret)
			return ok && json.Unmarshal(c, &claims) == nil && m.issued(cred.Secret, claims.ID)
		}
		return false
	}

	for _, h := range []string{"Bearer " + access, "bearer   " + access, "Bearer " + noScope, "Basic YWxpY2U6d29uZGVybGFuZA==",
		"Basic YWxpY2U6d29uZGVybGFuZB==", "Basic Ym9iOmJ1aWxkZXI=", "ApiKey ak_live_authchaos_demo_key", "apikey ak_live_authchaos_demo_key",
		"Bearer " + forgeries(f, s.keys, access)[0], access, "", "Bearer", "Basic Og==", "Cookie s_x", "Digest x", "\xff",
		"ak_live_0123456789abcdef", "(x)0123456789abcdefghij", "Token 0123456789abcdefghij"} {
		for _, p := range []string{"/api/items", "/api/me", "/api/admin", "/api//items", "/api/items/", "/oauth/token", "/api/public/status", "/../api/items", "/__admin/x", "/"} {
			f.Add(h, p)
		}
	}

	f.Fuzz(func(t *testing.T, header, path string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.Path, r.URL.RawPath, r.RequestURI = path, "", path
		if strings.HasPrefix(path, "/__admin/") {
			// The operator's journal stream runs until its client leaves.
			ctx, cancel := context.WithCancel(r.Context())
			cancel()
			r = r.WithContext(ctx)
		}
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("GET %q with Authorization %q: %d %s", path, header, w.Code, w.Body)
		}
		if path == "/api/items" && w.Code == http.StatusOK && !valid(header) {
			t.Fatalf("GET /api/items answered 200 to Authorization %q, which is no valid credential", header)
		}
		if strings.HasPrefix(path, "/api/") && w.Code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
			t.Fatalf("GET %q with Authorization %q: 401 without a challenge", path, header)
		}
		if secret := secretOf(header); looksSecret(secret) && !strings.Contains(path, secret) {
			if strings.Contains(w.Body.String(), secret) || strings.Contains(w.Header().Get("WWW-Authenticate"), secret) {
				t.Fatalf("the answer to Authorization %q repeats %q: %s %s", header, secret, w.Header().Get("WWW-Authenticate"), w.Body)
			}
			entries := s.journal.Entries(s.journal.LastSeq() - 1)
			raw, _ := json.Marshal(entries)
			if strings.Contains(string(raw), secret) {
				t.Fatalf("the journal holds %q from Authorization %q: %s", secret, header, raw)
			}
		}
	})
}

// secretOf is the part of an Authorization value that is secret: the
// credentials after a scheme, or all of it when it does not parse (a
// client that forgot the scheme sends the bare token).
func secretOf(header string) string {
	if cred, err := authn.ParseAuthorization(header); err == nil && cred.Secret != "" {
		return cred.Secret
	}
	return strings.TrimSpace(header)
}

// looksSecret keeps the leak oracle to strings no answer would contain by
// chance: long, one word, with a digit, as tokens and keys are.
func looksSecret(s string) bool {
	return len(s) >= 16 && strings.ContainsAny(s, "0123456789") && !strings.ContainsAny(s, " \t")
}

// FuzzLoginBody posts arbitrary JSON to /login: the answer is 200, 400 or
// 401, and 200 only for a real user's password.
func FuzzLoginBody(f *testing.F) {
	s := fuzzServer(f)
	for _, seed := range []string{
		`{"username":"alice","password":"wonderland"}`, `{"username":"bob","password":"builder","otp":"123456"}`,
		`{"username":"alice","password":"wrong"}`, `{"USERNAME":"alice","Password":"wonderland"}`,
		`{"username":"alice","password":"wonderland","extra":1}`, `{"username":"alice","password":"wonderland"} {}`,
		`{"username":1}`, `{"username":"alice","username":"bob","password":"builder"}`, `[]`, `null`, `""`, `{`, ``,
		`{"username":"\u0000","password":"\ud800"}`, `{"username":"alice","password":"wonderland"}garbage`,
		`{"username":"alice","password":"wonderland"}}`, `{"username":"alice","password":"wonderland"}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/login", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK:
			var req loginRequest
			if err := json.Unmarshal(body, &req); err != nil {
				t.Fatalf("200 for a body encoding/json rejects (%v): %q", err, body)
			}
			if !((req.Username == "alice" && req.Password == "wonderland") || (req.Username == "bob" && req.Password == "builder")) {
				t.Fatalf("200 for %q, which holds no user's password", body)
			}
		case http.StatusBadRequest, http.StatusUnauthorized:
		default:
			t.Fatalf("%d for %q: want 200, 400 or 401", w.Code, body)
		}
		var answer map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil {
			t.Fatalf("answer is not JSON (%v): %q", err, w.Body)
		}
	})
}

package fakeserver_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/clock"
)

// The benchmarks answer "what does the fake server cost next to a bare
// handler?": `make bench` prints the ratio of BenchmarkProtectedEndpoint
// to BenchmarkBareHandler, and tokens per second from
// BenchmarkTokenIssuance. Everything runs in process through httptest, so
// the numbers are the server's work, not the network's.

func benchServer(b *testing.B) *fakeserver.Server {
	b.Helper()
	s, err := fakeserver.New(fakeserver.WithClock(clock.Frozen(t0)))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func tokenRequest() *http.Request {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
	r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(clientID, clientSecret)
	return r
}

// BenchmarkProtectedEndpoint is GET /api/items with a valid bearer token:
// journal, scenario edges, JWT verification, scope check, JSON answer.
func BenchmarkProtectedEndpoint(b *testing.B) {
	s := benchServer(b)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, tokenRequest())
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || w.Code != http.StatusOK {
		b.Fatalf("token: %d %s", w.Code, w.Body)
	}
	auth := "Bearer " + tok.AccessToken
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "/api/items", nil)
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("GET /api/items: %d %s", w.Code, w.Body)
		}
	}
}

// BenchmarkBareHandler is the floor: a plain net/http handler writing the
// same JSON with the same headers, and no authentication at all.
func BenchmarkBareHandler(b *testing.B) {
	h := bareItems()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "/api/items", nil)
		r.Header.Set("Authorization", "Bearer x")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkTokenIssuance is the client_credentials grant: client
// authentication, an ES256 signature, the JSON answer, from GOMAXPROCS
// goroutines at once (`make bench` runs it with -cpu 1,2). Signing holds
// no shared lock, so grants/s should scale as BenchmarkES256Sign does.
func BenchmarkTokenIssuance(b *testing.B) {
	s := benchServer(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, tokenRequest())
			if w.Code != http.StatusOK {
				b.Errorf("token: %d %s", w.Code, w.Body)
				return
			}
		}
	})
}

// BenchmarkES256Sign is the ceiling for token issuance: go-jose signing
// the same claims with a P-256 key, and nothing else, from GOMAXPROCS
// goroutines.
func BenchmarkES256Sign(b *testing.B) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: priv, KeyID: "k"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		b.Fatal(err)
	}
	now := jwt.NewNumericDate(t0)
	claims := jwt.Claims{Issuer: "http://127.0.0.1:8401", Subject: clientID, Audience: jwt.Audience{clientID}, ID: "0123456789abcdef01234567",
		IssuedAt: now, NotBefore: now, Expiry: jwt.NewNumericDate(t0.Add(5 * time.Minute))}
	extra := struct {
		Scope    string `json:"scope"`
		ClientID string `json:"client_id"`
	}{"read", clientID}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := jwt.Signed(signer).Claims(claims).Claims(extra).Serialize(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// bareItems is the baseline handler: the same JSON and headers as GET
// /api/items, with no authentication, journal or scenario at all.
func bareItems() http.Handler {
	items := []map[string]any{{"id": 1, "name": "umbrella"}, {"id": 2, "name": "rain boots"}, {"id": 3, "name": "thermos"}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"items": items})
	})
}

package resilient

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/authchaos/authchaos/suites/adapter"
)

// RFC 7616 §3.9.1, the SHA-256 example.
func TestDigestResponseRFC7616Example(t *testing.T) {
	got := digestResponse("Mufasa", "http-auth@example.org", "Circle of Life", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
		"00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", http.MethodGet, "/dir/index.html")
	if want := "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"; got != want {
		t.Errorf("response %s, want %s", got, want)
	}
}

func TestDigestCountsPerNonce(t *testing.T) {
	var d digestState
	req := httptest.NewRequest(http.MethodGet, "http://api.test/api/items?x=1", nil)
	if v, err := d.authorization(req, "u", "p"); v != "" || err != nil {
		t.Fatalf("before any challenge: %q, %v; want nothing sent", v, err)
	}
	d.learn(challenge{Scheme: Digest, Params: map[string]string{"realm": "r", "nonce": "n1", "opaque": "o", "algorithm": "SHA-256"}})
	first, _ := d.authorization(req, "u", "p")
	second, _ := d.authorization(req, "u", "p")
	for _, want := range []string{`uri="/api/items?x=1"`, "nc=00000001", `opaque="o"`, "qop=auth", "algorithm=SHA-256"} {
		if !strings.Contains(first, want) {
			t.Errorf("%s lacks %s", first, want)
		}
	}
	if !strings.Contains(second, "nc=00000002") {
		t.Errorf("second answer to one nonce %s: want nc=00000002", second)
	}
	d.learn(challenge{Scheme: Digest, Params: map[string]string{"realm": "r", "nonce": "n2", "stale": "true"}})
	if third, _ := d.authorization(req, "u", "p"); !strings.Contains(third, `nonce="n2"`) || !strings.Contains(third, "nc=00000001") {
		t.Errorf("after a stale=true challenge %s: want the new nonce, counted from 1", third)
	}
	d.learn(challenge{Scheme: Digest, Params: map[string]string{"realm": "r", "nonce": "n3", "algorithm": "MD5"}})
	if _, err := d.authorization(req, "u", "p"); err == nil || !strings.Contains(err.Error(), "MD5") {
		t.Errorf("an MD5 challenge: %v, want an error naming MD5", err)
	}
}

func TestDPoPProof(t *testing.T) {
	k, err := newDPoPKey()
	if err != nil {
		t.Fatal(err)
	}
	k.remember(mustURL("http://api.test/anything"), &http.Response{Header: http.Header{"Dpop-Nonce": {"server-nonce"}}})
	claimsOf := func(proof string) (map[string]any, jose.Header) {
		t.Helper()
		jws, err := jose.ParseSignedCompact(proof, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatal(err)
		}
		h := jws.Signatures[0].Protected
		payload, err := jws.Verify(h.JSONWebKey)
		if err != nil {
			t.Fatalf("the proof does not verify with the jwk it carries: %v", err)
		}
		var c map[string]any
		if err := json.Unmarshal(payload, &c); err != nil {
			t.Fatal(err)
		}
		return c, h
	}
	p1, err := k.proof(http.MethodGet, mustURL("http://api.test/api/items?page=2#x"), "the-token")
	if err != nil {
		t.Fatal(err)
	}
	c, h := claimsOf(p1)
	sum := sha256.Sum256([]byte("the-token"))
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "dpop+jwt" || h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() {
		t.Errorf("header typ %q, jwk %v: want dpop+jwt and the public key", typ, h.JSONWebKey)
	}
	for name, want := range map[string]any{"htm": "GET", "htu": "http://api.test/api/items", "nonce": "server-nonce",
		"ath": base64.RawURLEncoding.EncodeToString(sum[:])} {
		if c[name] != want {
			t.Errorf("%s = %v, want %v", name, c[name], want)
		}
	}
	if iat, _ := c["iat"].(float64); time.Since(time.Unix(int64(iat), 0)).Abs() > time.Minute {
		t.Errorf("iat %v is not now", c["iat"])
	}
	p2, _ := k.proof(http.MethodPost, mustURL("http://as.test/oauth/token"), "")
	c2, _ := claimsOf(p2)
	if _, ok := c2["nonce"]; ok {
		t.Errorf("a proof for another server carries nonce %v; nonces are per server", c2["nonce"])
	}
	if c2["jti"] == c["jti"] || c2["jti"] == "" {
		t.Errorf("jti %v then %v: every proof needs a new one", c["jti"], c2["jti"])
	}
	if _, ok := c2["ath"]; ok {
		t.Errorf("a token request's proof has ath %v; it comes with no access token", c2["ath"])
	}
}

func TestWellKnown(t *testing.T) {
	for issuer, want := range map[string][]string{
		"https://as.test":         {"https://as.test/.well-known/oauth-authorization-server", "https://as.test/.well-known/openid-configuration"},
		"https://as.test/tenant1": {"https://as.test/.well-known/oauth-authorization-server/tenant1", "https://as.test/tenant1/.well-known/openid-configuration"},
	} {
		if got := wellKnown(issuer); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("wellKnown(%q) = %v, want %v", issuer, got, want)
		}
	}
}

// TestDiscoveryChecksNames: resource metadata for another resource, or an
// authorization server whose metadata names another issuer, is refused
// before any token request: a forged 401 must not lead the client's
// secret elsewhere.
func TestDiscoveryChecksNames(t *testing.T) {
	tests := []struct {
		name, resource, issuer, want string
	}{
		{"metadata for another resource", "https://elsewhere.test/api/", "", "is for resource"},
		{"an issuer that is not the one named", "", "https://evil.test", "names issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *httptest.Server
			tokens := 0
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch {
				case r.URL.Path == "/api/items":
					w.Header().Set("WWW-Authenticate", `Bearer realm="api", resource_metadata="`+srv.URL+`/.well-known/oauth-protected-resource/api/"`)
					w.WriteHeader(http.StatusUnauthorized)
					_, _ = w.Write([]byte(`{"reason":"missing_credentials"}`))
				case strings.HasPrefix(r.URL.Path, "/.well-known/oauth-protected-resource"):
					_ = json.NewEncoder(w).Encode(map[string]any{"resource": firstOf(tt.resource, srv.URL+"/api/"), "authorization_servers": []string{srv.URL}})
				case r.URL.Path == "/.well-known/oauth-authorization-server":
					_ = json.NewEncoder(w).Encode(map[string]any{"issuer": firstOf(tt.issuer, srv.URL), "token_endpoint": srv.URL + "/token"})
				default:
					tokens++
					w.WriteHeader(http.StatusTeapot)
				}
			}))
			defer srv.Close()
			c, err := New(adapter.Target{BaseURL: srv.URL, ResourceURL: srv.URL + "/api/", Auth: adapter.AuthOAuth2ClientCredentials, ClientID: "id", ClientSecret: "secret"})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			r := c.Do(context.Background(), adapter.Call{Method: http.MethodGet, Path: "/api/items"})
			if r.Error == "" || !strings.Contains(r.Error, tt.want) || tokens != 0 {
				t.Errorf("got %d %q after %d token requests; want an error containing %q and none", r.Status, r.Error, tokens, tt.want)
			}
		})
	}
}

package fakeserver_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/internal/authn"
)

// secretFlow drives the exchanges that carry every kind of secret the
// server knows (password and client secret in forms and JSON, tokens in
// JSON answers, Basic, Bearer, API key, the session cookie, a token in
// the query) and returns the secrets it saw.
func secretFlow(t *testing.T, base string) []string {
	t.Helper()
	do := func(method, path, ctype, body string, h map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	form := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"wonderland"},
		"client_id": {"authchaos-client"}, "client_secret": {"authchaos-secret"}, "scope": {"read"}}
	resp, b := do("POST", "/oauth/token", "application/x-www-form-urlencoded", form.Encode(), nil)
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(b, &tok); err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("password grant: %d %s", resp.StatusCode, b)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("authchaos-client:authchaos-secret"))
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	_, b = do("POST", "/oauth/token", "application/x-www-form-urlencoded", refresh.Encode(), map[string]string{"Authorization": basic})
	var tok2 struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.Unmarshal(b, &tok2)
	do("GET", "/api/items", "", "", map[string]string{"Authorization": "Bearer " + tok.AccessToken})
	do("GET", "/api/items?access_token="+tok.AccessToken, "", "", nil)
	do("GET", "/api/me", "", "", map[string]string{"Authorization": "ApiKey ak_live_authchaos_demo_key"})
	do("GET", "/api/me", "", "", map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:wonderland"))})
	do("POST", "/oauth/introspect", "application/x-www-form-urlencoded", "token="+tok.AccessToken, map[string]string{"Authorization": basic})
	resp, _ = do("POST", "/login", "application/json", `{"username": "alice", "password": "wonderland"}`, nil)
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == authn.SessionCookie {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatalf("login set no session cookie: %d", resp.StatusCode)
	}
	do("GET", "/api/me", "", "", map[string]string{"Cookie": authn.SessionCookie + "=" + session})
	do("POST", "/login", "application/x-www-form-urlencoded", "username=alice&password=wonderland&otp=123456", nil)
	do("POST", "/oauth/revoke", "application/x-www-form-urlencoded", "token="+tok2.RefreshToken, map[string]string{"Authorization": basic})
	_, b = do("POST", "/oauth/device_authorization", "application/x-www-form-urlencoded", "scope=read", map[string]string{"Authorization": basic})
	var dev struct {
		DeviceCode string `json:"device_code"`
		UserCode   string `json:"user_code"`
	}
	if err := json.Unmarshal(b, &dev); err != nil || dev.DeviceCode == "" {
		t.Fatalf("device authorization: %s", b)
	}
	poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {dev.DeviceCode}}
	do("POST", "/oauth/token", "application/x-www-form-urlencoded", poll.Encode(), map[string]string{"Authorization": basic})
	secrets := []string{dev.DeviceCode, dev.UserCode, "wonderland", "authchaos-secret", "ak_live_authchaos_demo_key", session,
		tok.AccessToken, tok.RefreshToken, tok2.AccessToken, tok2.RefreshToken,
		base64.StdEncoding.EncodeToString([]byte("alice:wonderland")),
		base64.StdEncoding.EncodeToString([]byte("authchaos-client:authchaos-secret"))}
	for _, tk := range []string{tok.AccessToken, tok2.AccessToken} {
		if parts := strings.Split(tk, "."); len(parts) == 3 {
			secrets = append(secrets, parts[2]) // a signature alone is a forgery's missing half
		}
	}
	return secrets
}

// The journal shows each request and response with their headers and
// body, and no secret in any of them: every credential is the server's
// fingerprint of it.
func TestJournalCapturesExchangesWithoutSecrets(t *testing.T) {
	s := fakeserver.MustNew()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	secrets := secretFlow(t, s.URL())

	resp, err := http.Get(s.URL() + "/__admin/journal")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(string(raw), sec) {
			t.Errorf("journal contains the secret %.12s…", sec)
		}
	}
	var es []fakeserver.Entry
	if err := json.Unmarshal(raw, &es); err != nil {
		t.Fatal(err)
	}
	var sawBearer, sawSetCookie, sawTokenBody, sawPassword bool
	for _, e := range es {
		if e.Request == nil || e.Response == nil {
			t.Fatalf("entry %d %s %s has no captured exchange", e.Seq, e.Method, e.Path)
		}
		if v := e.Request.Headers["Authorization"]; len(v) == 1 && v[0] == "Bearer "+e.Credential {
			sawBearer = true
		}
		if v := e.Response.Headers["Set-Cookie"]; len(v) > 0 && strings.HasPrefix(v[0], authn.SessionCookie+"=hmac-sha256:") {
			sawSetCookie = true
		}
		if e.Grant == "refresh_token" && strings.Contains(e.Response.Body, `"access_token":"hmac-sha256:`) &&
			strings.Contains(e.Request.Body, "refresh_token=hmac-sha256") {
			sawTokenBody = true
		}
		if e.Path == "/login" && strings.Contains(e.Request.Body, `"password":"`+s.Fingerprint("wonderland")+`"`) {
			sawPassword = true
		}
		if ct := e.Response.Headers["Content-Type"]; len(ct) == 0 && e.Response.Body != "" {
			t.Errorf("entry %d: response headers lack Content-Type: %v", e.Seq, e.Response.Headers)
		}
	}
	if !sawBearer || !sawSetCookie || !sawTokenBody || !sawPassword {
		t.Fatalf("captured: bearer header %v, set-cookie %v, token bodies %v, login password %v; want all fingerprinted and present",
			sawBearer, sawSetCookie, sawTokenBody, sawPassword)
	}
}

// A body the journal cannot read field by field is withheld, not shown,
// and one the server never read is not read for the journal either.
func TestJournalWithholdsBodiesItCannotScrub(t *testing.T) {
	s := fakeserver.MustNew()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct{ ctype, body string }{
		{"text/plain", "password=wonderland"},
		{"application/json", `{"password": "wonderland"`},
		{"application/json", `{"password": "wonderland", "pad": "` + strings.Repeat("x", 70<<10) + `"}`},
	} {
		resp, err := http.Post(s.URL()+"/login", c.ctype, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for _, e := range s.Journal().Entries(0) {
		b := e.Request.Body
		if strings.Contains(b, "wonderland") || !strings.Contains(b, "withheld") && !strings.Contains(b, "did not read") {
			t.Errorf("entry %d body %.200q, want it withheld (or unread)", e.Seq, b)
		}
		if len(e.Request.Body) > 2048+32 {
			t.Errorf("entry %d body is %d bytes", e.Seq, len(e.Request.Body))
		}
	}
}

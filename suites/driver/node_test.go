package driver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authchaos/authchaos/suites/adapter"
)

// nodeServer is just enough of an OAuth server and API to show that the
// reference driver speaks the protocol and recovers the way its README
// says. Tokens are "tok-1", "tok-2"... in issue order.
type nodeServer struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	dead map[string]bool // issued tokens the API no longer accepts
	// tokenScopes is the scope each token request asked for, in order.
	tokenScopes []string
	apiAuth     []string // Authorization of every API request, in order
	apiCalls    int
	// api, when set, answers /api/ requests whose token is valid.
	api func(w http.ResponseWriter, r *http.Request, call int)
}

func newNodeServer(t *testing.T) *nodeServer {
	s := &nodeServer{t: t, dead: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.token)
	mux.HandleFunc("/api/", s.apiHandler)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *nodeServer) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	if err := r.ParseForm(); err != nil || !ok || id != "cli" || secret != "s3cr3t!" || r.PostForm.Get("grant_type") != "client_credentials" {
		s.t.Errorf("token request: basic=%v id=%q form=%v", ok, id, r.PostForm)
		writeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return
	}
	s.mu.Lock()
	s.tokenScopes = append(s.tokenScopes, r.PostForm.Get("scope"))
	tok := fmt.Sprintf("tok-%d", len(s.tokenScopes))
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600, "scope": r.PostForm.Get("scope")})
}

func (s *nodeServer) apiHandler(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	s.apiAuth = append(s.apiAuth, auth)
	tok, bearer := strings.CutPrefix(auth, "Bearer ")
	valid := bearer && strings.HasPrefix(tok, "tok-") && !s.dead[tok]
	s.apiCalls++
	call := s.apiCalls
	s.mu.Unlock()
	if !valid {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
		writeJSON(w, 401, map[string]string{"reason": "token_expired"})
		return
	}
	if s.api != nil {
		s.api(w, r, call)
		return
	}
	writeJSON(w, 200, map[string]any{"items": []string{}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func nodeDriver(t *testing.T) Options {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH; the reference driver cannot run")
	}
	script, err := filepath.Abs("../../examples/drivers/node/driver.js")
	if err != nil {
		t.Fatal(err)
	}
	return Options{Command: fmt.Sprintf("%q %q", node, script), Timeout: 10 * time.Second}
}

func (s *nodeServer) target() adapter.Target {
	return adapter.Target{
		BaseURL: s.srv.URL, TokenURL: s.srv.URL + "/oauth/token", Auth: adapter.AuthOAuth2ClientCredentials,
		ClientID: "cli", ClientSecret: "s3cr3t!", Scopes: []string{"read"},
	}
}

// The smallest proof: configure, one call, 200.
func TestNodeDriverClientCredentials(t *testing.T) {
	opts := nodeDriver(t)
	s := newNodeServer(t)
	p, err := Start(context.Background(), opts, s.target())
	if err != nil {
		t.Fatal(err)
	}
	r := p.Do(context.Background(), get("/api/items"))
	if r.Status != 200 || r.Error != "" || !strings.Contains(r.Body, `"items"`) {
		t.Errorf("Do = %+v; driver stderr:\n%s", r, p.Stderr())
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if got := s.apiAuth; len(got) != 1 || got[0] != "Bearer tok-1" {
		t.Errorf("API saw Authorization %q, want one request with Bearer tok-1", got)
	}
	if strings.Contains(p.Stderr(), "s3cr3t!") || strings.Contains(p.Stderr(), "tok-1") {
		t.Errorf("driver logged a secret:\n%s", p.Stderr())
	}
}

// Recoveries of the reference driver that other SDK teams copy: each case
// is a server behaviour and what the driver must make of it.
func TestNodeDriverRecoveries(t *testing.T) {
	opts := nodeDriver(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"authorization": r.Header.Get("Authorization")})
	}))
	defer other.Close()
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><head><title>Hotel Wi-Fi: accept the terms</title></head></html>")
	}))
	defer portal.Close()

	for _, tc := range []struct {
		name       string
		setup      func(s *nodeServer)
		path       string
		concurrent int
		wantStatus int
		wantBody   string
		wantErr    string
		wantScopes []string // scope of every token request, in order
	}{
		{
			name: "expired token: one refresh shared by concurrent calls",
			setup: func(s *nodeServer) {
				s.dead["tok-1"] = true
			},
			path: "/api/items", concurrent: 5, wantStatus: 200,
			wantScopes: []string{"read", "read"},
		},
		{
			name: "still rejected after one refresh: no loop",
			setup: func(s *nodeServer) {
				s.dead["tok-1"], s.dead["tok-2"], s.dead["tok-3"] = true, true, true
			},
			path: "/api/items", wantStatus: 401, wantErr: "unauthorized (401) after token refresh: token_expired",
			wantScopes: []string{"read", "read"},
		},
		{
			name: "403 is returned, not refreshed",
			setup: func(s *nodeServer) {
				s.api = func(w http.ResponseWriter, r *http.Request, _ int) {
					writeJSON(w, 403, map[string]string{"reason": "insufficient_role"})
				}
			},
			path: "/api/admin", wantStatus: 403, wantErr: "forbidden (403): insufficient_role",
			wantScopes: []string{"read"},
		},
		{
			name: "a scheme it does not hold fails fast",
			setup: func(s *nodeServer) {
				s.api = func(w http.ResponseWriter, r *http.Request, _ int) {
					w.Header().Set("WWW-Authenticate", `Basic realm="legacy"`)
					writeJSON(w, 401, map[string]string{"reason": "scheme_not_accepted"})
				}
			},
			path: "/api/legacy", wantStatus: 401, wantErr: "server asks for Basic authentication, which this client does not hold",
			wantScopes: []string{"read"},
		},
		{
			name: "insufficient_scope steps up",
			setup: func(s *nodeServer) {
				s.api = func(w http.ResponseWriter, r *http.Request, _ int) {
					if r.Header.Get("Authorization") == "Bearer tok-1" {
						w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="admin"`)
						writeJSON(w, 401, map[string]string{"reason": "insufficient_scope"})
						return
					}
					writeJSON(w, 200, map[string]string{"ok": "admin"})
				}
			},
			path: "/api/admin", wantStatus: 200,
			wantScopes: []string{"read", "read admin"},
		},
		{
			name: "Retry-After keeps the token",
			setup: func(s *nodeServer) {
				s.api = func(w http.ResponseWriter, r *http.Request, call int) {
					if call == 1 {
						w.Header().Set("Retry-After", "0")
						w.Header().Set("Content-Type", "text/html")
						w.WriteHeader(http.StatusServiceUnavailable)
						fmt.Fprint(w, "<html>maintenance</html>")
						return
					}
					writeJSON(w, 200, map[string]string{"ok": "later"})
				}
			},
			path: "/api/items", wantStatus: 200,
			wantScopes: []string{"read"},
		},
		{
			name: "a portal page a redirect leads to is not the API's answer",
			setup: func(s *nodeServer) {
				s.api = func(w http.ResponseWriter, r *http.Request, _ int) {
					http.Redirect(w, r, portal.URL+"/portal", http.StatusFound)
				}
			},
			path: "/api/items", wantStatus: 200, wantErr: "not the API's answer: HTTP 200 OK page at " + portal.URL + "/portal",
			wantScopes: []string{"read"},
		},
		{
			name: "redirect to another origin drops the token",
			setup: func(s *nodeServer) {
				s.api = func(w http.ResponseWriter, r *http.Request, _ int) {
					http.Redirect(w, r, other.URL+"/elsewhere", http.StatusTemporaryRedirect)
				}
			},
			path: "/api/moved", wantStatus: 200, wantBody: `{"authorization":""}`,
			wantScopes: []string{"read"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNodeServer(t)
			tc.setup(s)
			p, err := Start(context.Background(), opts, s.target())
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			n := max(tc.concurrent, 1)
			results := make([]adapter.Result, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = p.Do(context.Background(), get(tc.path))
				}()
			}
			wg.Wait()
			for _, r := range results {
				if r.Status != tc.wantStatus || !strings.Contains(r.Error, tc.wantErr) || (tc.wantErr == "") != (r.Error == "") ||
					!strings.Contains(r.Body, tc.wantBody) {
					t.Errorf("Do = %+v, want status %d, error containing %q, body containing %q", r, tc.wantStatus, tc.wantErr, tc.wantBody)
				}
			}
			s.mu.Lock()
			scopes := s.tokenScopes
			s.mu.Unlock()
			if fmt.Sprint(scopes) != fmt.Sprint(tc.wantScopes) {
				t.Errorf("token requests asked for scopes %q, want %q", scopes, tc.wantScopes)
			}
			if t.Failed() {
				t.Logf("driver stderr:\n%s", p.Stderr())
			}
		})
	}
}

// Session login with a one-time code, and the cookie a browser would not
// send back.
func TestNodeDriverSession(t *testing.T) {
	opts := nodeDriver(t)
	for _, tc := range []struct {
		name    string
		cookie  string
		wantErr string
	}{
		{name: "mfa then cookie", cookie: "sid=abc; Path=/; HttpOnly"},
		{name: "secure cookie over http", cookie: "sid=abc; Path=/; Secure", wantErr: `session cookie "sid" is Secure but base_url is http://`},
		{name: "cookie for another domain", cookie: "sid=abc; Domain=example.com", wantErr: `session cookie "sid" has Domain=example.com, which does not match 127.0.0.1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logins []string
			var mu sync.Mutex
			mux := http.NewServeMux()
			mux.HandleFunc("GET /otp", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]string{"otp": "123456"})
			})
			mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
				var body map[string]string
				_ = json.NewDecoder(r.Body).Decode(&body)
				mu.Lock()
				logins = append(logins, body["otp"])
				mu.Unlock()
				if body["username"] != "ada" || body["password"] != "pw" {
					writeJSON(w, 401, map[string]string{"reason": "wrong_password"})
					return
				}
				if body["otp"] != "123456" {
					w.Header().Set("WWW-Authenticate", `Session error="mfa_required"`)
					writeJSON(w, 401, map[string]string{"reason": "mfa_required"})
					return
				}
				w.Header().Set("Set-Cookie", tc.cookie)
				writeJSON(w, 200, map[string]string{"user": "ada"})
			})
			mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
				if c, err := r.Cookie("sid"); err != nil || c.Value != "abc" {
					w.Header().Set("WWW-Authenticate", `Session realm="app"`)
					writeJSON(w, 401, map[string]string{"reason": "no_session"})
					return
				}
				writeJSON(w, 200, map[string]string{"user": "ada"})
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()
			p, err := Start(context.Background(), opts, adapter.Target{
				BaseURL: srv.URL, LoginURL: srv.URL + "/login", OTPURL: srv.URL + "/otp",
				Auth: adapter.AuthSession, Username: "ada", Password: "pw",
			})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			r := p.Do(context.Background(), get("/api/me"))
			if tc.wantErr == "" && (r.Status != 200 || r.Error != "") || !strings.Contains(r.Error, tc.wantErr) {
				t.Errorf("Do = %+v, want error containing %q\nstderr:\n%s", r, tc.wantErr, p.Stderr())
			}
			mu.Lock()
			defer mu.Unlock()
			if fmt.Sprint(logins) != "[ 123456]" {
				t.Errorf("logins sent otp %q, want one without and one with the code", logins)
			}
		})
	}
}

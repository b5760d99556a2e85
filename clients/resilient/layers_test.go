package resilient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authchaos/authchaos/suites/adapter"
)

func TestParseChallenges(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []challenge
	}{
		{"RFC 6750 error", []string{`Bearer realm="authchaos", error="invalid_token", error_description="token expired at 2024-01-01T00:00:00Z"`},
			[]challenge{{"Bearer", map[string]string{"realm": "authchaos", "error": "invalid_token", "error_description": "token expired at 2024-01-01T00:00:00Z"}}}},
		{"one header per scheme", []string{`Bearer realm="a"`, `Session realm="a"`},
			[]challenge{{"Bearer", map[string]string{"realm": "a"}}, {"Session", map[string]string{"realm": "a"}}}},
		{"two challenges in one header, comma in a quoted value", []string{`Basic realm="x, y", Bearer error="invalid_token"`},
			[]challenge{{"Basic", map[string]string{"realm": "x, y"}}, {"Bearer", map[string]string{"error": "invalid_token"}}}},
		{"escaped quote", []string{`Bearer error_description="say \"hi\""`},
			[]challenge{{"Bearer", map[string]string{"error_description": `say "hi"`}}}},
		{"unquoted values, spaces around =", []string{`ApiKey realm = authchaos ,error=invalid_key`},
			[]challenge{{"ApiKey", map[string]string{"realm": "authchaos", "error": "invalid_key"}}}},
		{"parameter names fold to lower case", []string{`Bearer Realm="x"`},
			[]challenge{{"Bearer", map[string]string{"realm": "x"}}}},
		{"token68", []string{`Negotiate YIIGhg==`},
			[]challenge{{"Negotiate", map[string]string{"yiighg": ""}}}},
		{"bare scheme", []string{`ApiKey`}, []challenge{{"ApiKey", map[string]string{}}}},
		{"unterminated quote", []string{`Basic realm="Restricted`}, []challenge{{"Basic", map[string]string{"realm": "Restricted"}}}},
		{"garbage", []string{`=,,"`, ``}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseChallenges(tt.values); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseChallenges(%q)\n got %#v\nwant %#v", tt.values, got, tt.want)
			}
		})
	}
}

func FuzzParseChallenges(f *testing.F) {
	for _, seed := range []string{`Bearer realm="a", error="invalid_token"`, `Basic realm="x, y", Bearer`, `"\`, `a=b=c, ,=`, "Bearer realm=\"\x00\""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, ch := range parseChallenges([]string{v}) {
			if ch.Scheme == "" || ch.Params == nil {
				t.Errorf("parseChallenges(%q): challenge %#v has no scheme or params", v, ch)
			}
		}
	})
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"1", time.Second, true},
		{" 30 ", 30 * time.Second, true},
		{"0", 0, true},
		{"-3", 0, true},
		{time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, true},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		if got, ok := retryAfter(h); got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCookieProblem(t *testing.T) {
	api, _ := url.Parse("http://127.0.0.1:8401")
	tlsAPI, _ := url.Parse("https://api.example.com")
	loginHere, _ := url.Parse("http://127.0.0.1:8401/login")
	loginSSO, _ := url.Parse("https://sso.example.net/login")
	loginSub, _ := url.Parse("https://login.example.com/login")
	tests := []struct {
		name   string
		cookie http.Cookie
		login  *url.URL
		base   *url.URL
		want   string // substring; "" means no problem
	}{
		{"host-only on the API host", http.Cookie{Name: "s"}, loginHere, api, ""},
		{"Domain of another host", http.Cookie{Name: "s", Domain: "app.example.com"}, loginHere, api, "set for domain app.example.com, not 127.0.0.1"},
		{"Secure over http", http.Cookie{Name: "s", Secure: true}, loginHere, api, "is Secure but the API is http://127.0.0.1:8401"},
		{"Secure over https", http.Cookie{Name: "s", Secure: true, Domain: ".example.com"}, loginSub, tlsAPI, ""},
		{"parent Domain shared with the API", http.Cookie{Name: "s", Domain: "example.com"}, loginSub, tlsAPI, ""},
		{"SameSite=Strict on the same site", http.Cookie{Name: "s", SameSite: http.SameSiteStrictMode}, loginHere, api, ""},
		{"SameSite=Strict from another site", http.Cookie{Name: "s", SameSite: http.SameSiteStrictMode, Secure: true}, loginSSO, tlsAPI, "SameSite=Strict"},
		{"host-only for the login host", http.Cookie{Name: "s"}, loginSSO, tlsAPI, "host-only for sso.example.net"},
		{"IP addresses match only themselves", http.Cookie{Name: "s", Domain: "0.0.1"}, loginHere, api, "set for domain 0.0.1"},
		{"a deletion is no problem", http.Cookie{Name: "s", Secure: true, MaxAge: -1}, loginHere, api, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cookieProblem(&tt.cookie, tt.login, tt.base)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("cookieProblem = %q, want %q", got, tt.want)
			}
			if got != "" && !strings.Contains(got, "never be sent back") {
				t.Errorf("cookieProblem = %q: does not say the consequence", got)
			}
		})
	}
}

func TestOriginOf(t *testing.T) {
	same := [][2]string{{"http://a", "http://a:80/x"}, {"HTTPS://A.example", "https://a.example:443"}}
	differ := [][2]string{{"http://a", "https://a"}, {"http://a:8080", "http://a:8081"}, {"http://localhost:1", "http://127.0.0.1:1"}}
	for _, p := range same {
		if originOf(mustURL(p[0])) != originOf(mustURL(p[1])) {
			t.Errorf("%s and %s are one origin", p[0], p[1])
		}
	}
	for _, p := range differ {
		if originOf(mustURL(p[0])) == originOf(mustURL(p[1])) {
			t.Errorf("%s and %s are two origins", p[0], p[1])
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// fakeAPI is a tiny API with a token endpoint; answer decides each API
// call's fate by its number (1-based).
type fakeAPI struct {
	*httptest.Server
	mu     sync.Mutex
	calls  int
	tokens int
	answer func(n int, w http.ResponseWriter, r *http.Request) bool // true: answered
}

func newFakeAPI(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request) bool) *fakeAPI {
	f := &fakeAPI{answer: answer}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.URL.Path == "/token" {
			f.tokens++
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"access_token":"t`+string(rune('0'+f.tokens))+`","token_type":"Bearer"}`)
			return
		}
		f.calls++
		if f.answer(f.calls, w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) counts() (calls, tokens int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, f.tokens
}

func (f *fakeAPI) target() adapter.Target {
	return adapter.Target{BaseURL: f.URL, TokenURL: f.URL + "/token", Auth: adapter.AuthOAuth2ClientCredentials, ClientID: "id", ClientSecret: "secret"}
}

// waits records what back-off asked to wait.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return ctx.Err()
}

func refuse(status int, header map[string]string, contentType, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestBackoff(t *testing.T) {
	html := `<html><head><title>Request blocked</title></head><body>blocked</body></html>`
	tests := []struct {
		name       string
		realm      string
		failFirst  int // calls refused before the edge lets them through
		refusal    func(w http.ResponseWriter)
		bugs       Bugs
		wantStatus int
		wantWaits  []time.Duration
		wantCalls  int
		wantTokens int
		wantError  string
	}{
		{"429 JSON with a long Retry-After: waits as the server says", "", 1,
			refuse(429, map[string]string{"Retry-After": "30"}, "application/json", `{"reason":"rate_limited"}`), Bugs{},
			200, []time.Duration{30 * time.Second}, 2, 1, ""},
		{"HTML 401 with Retry-After: waits, at most 3 times", "", 9,
			refuse(401, map[string]string{"Retry-After": "2", "Server": "edge-proxy"}, "text/html", html), Bugs{},
			401, []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}, 4, 1, "blocked by an edge: HTML 401 from edge-proxy (Retry-After 2): Request blocked"},
		{"persistent text 401 without Retry-After: one more look", "", 9,
			refuse(401, nil, "text/plain", "Access denied by network policy\nsecond line\n"), Bugs{},
			401, []time.Duration{time.Second}, 2, 1, "blocked by an edge: text 401: Access denied by network policy"},
		{"a backend of another realm: the token is kept", "authchaos", 1,
			refuse(401, map[string]string{"WWW-Authenticate": `Bearer realm="legacy", error="invalid_token"`}, "application/json", `{"reason":"stale_backend"}`), Bugs{},
			200, []time.Duration{time.Second}, 2, 1, ""},
		{"ignore-retry-after retries at once", "", 9,
			refuse(401, map[string]string{"Retry-After": "1"}, "text/html", html), Bugs{IgnoreRetryAfter: true},
			401, []time.Duration{0, 0, 0}, 4, 1, "blocked by an edge"},
		{"the API's own 401 is not an edge's", "", 1,
			refuse(401, map[string]string{"WWW-Authenticate": `Bearer realm="api", error="invalid_token"`}, "application/json", `{"reason":"token_expired"}`), Bugs{},
			200, nil, 2, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
				if n <= tt.failFirst {
					tt.refusal(w)
					return true
				}
				return false
			})
			var w waits
			c, err := New(api.target(), WithSleep(w.sleep), WithRealm(tt.realm), WithBugs(tt.bugs))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			r := c.Do(t.Context(), adapter.Call{Method: "GET", Path: "/api/items"})
			if r.Status != tt.wantStatus || !strings.Contains(r.Error, tt.wantError) || (tt.wantError == "") != (r.Error == "") {
				t.Errorf("result %d %q, want %d %q", r.Status, r.Error, tt.wantStatus, tt.wantError)
			}
			if !slices.Equal(w.d, tt.wantWaits) {
				t.Errorf("waits %v, want %v", w.d, tt.wantWaits)
			}
			if calls, tokens := api.counts(); calls != tt.wantCalls || tokens != tt.wantTokens {
				t.Errorf("%d API calls and %d token requests, want %d and %d", calls, tokens, tt.wantCalls, tt.wantTokens)
			}
		})
	}
}

// TestBackoffHonoursCancellation: a call waiting out Retry-After returns
// as soon as its context ends.
func TestBackoffHonoursCancellation(t *testing.T) {
	api := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		refuse(401, map[string]string{"Retry-After": "5"}, "text/html", "<html>wait</html>")(w)
		return true
	})
	c, err := New(api.target()) // the real sleep
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	r := c.Do(ctx, adapter.Call{Method: "GET", Path: "/api/items"})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v to notice the cancellation", took)
	}
	if !strings.Contains(r.Error, context.Canceled.Error()) {
		t.Errorf("error %q does not say the context ended", r.Error)
	}
}

// TestBackoffWaitsOnlyWhatFits: a Retry-After longer than the call has
// left is not started; the call gives up at once and says why.
func TestBackoffWaitsOnlyWhatFits(t *testing.T) {
	api := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		refuse(401, map[string]string{"Retry-After": "30"}, "text/html", "<html>wait</html>")(w)
		return true
	})
	var w waits
	c, err := New(api.target(), WithSleep(w.sleep))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	r := c.Do(ctx, adapter.Call{Method: "GET", Path: "/api/items"})
	if len(w.d) != 0 {
		t.Errorf("waited %v, though Retry-After 30 does not fit in a 10s call", w.d)
	}
	if r.Status != 401 || !strings.Contains(r.Error, "did not wait 30s") {
		t.Errorf("result %d %q, want 401 saying it did not wait 30s", r.Status, r.Error)
	}
}

// TestPasswordGrantWithOTP: a token endpoint that wants a one-time code
// gets one read from otp_url, and client authentication is HTTP Basic
// with id and secret form-encoded (RFC 6749 §2.3.1).
func TestPasswordGrantWithOTP(t *testing.T) {
	var mu sync.Mutex
	var log []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/otp":
			log = append(log, "otp")
			io.WriteString(w, `{"otp":"123456"}`)
		case "/token":
			id, secret, _ := r.BasicAuth()
			if err := r.ParseForm(); err != nil {
				t.Errorf("token request form: %v", err)
			}
			log = append(log, "token otp="+r.PostForm.Get("otp"))
			if id != url.QueryEscape("my client") || secret != url.QueryEscape("s&cr:t") {
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"error":"invalid_client"}`)
				return
			}
			if r.PostForm.Get("otp") != "123456" {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"error":"mfa_required","error_description":"a one-time code is required"}`)
				return
			}
			io.WriteString(w, `{"access_token":"tok","token_type":"Bearer"}`)
		default:
			log = append(log, "api "+r.Header.Get("Authorization"))
			io.WriteString(w, `{}`)
		}
	}))
	defer srv.Close()
	c, err := New(adapter.Target{BaseURL: srv.URL, TokenURL: srv.URL + "/token", OTPURL: srv.URL + "/otp",
		Auth: adapter.AuthOAuth2Password, ClientID: "my client", ClientSecret: "s&cr:t", Username: "alice", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r := c.Do(t.Context(), adapter.Call{Method: "GET", Path: "/api/me"}); r.Status != 200 {
		t.Fatalf("%d %q", r.Status, r.Error)
	}
	want := []string{"token otp=", "otp", "token otp=123456", "api Bearer tok"}
	if !slices.Equal(log, want) {
		t.Errorf("requests %q, want %q", log, want)
	}
}

// TestErrorUnwraps: a Result's cause is also reachable as a typed error
// for Go callers.
func TestErrorUnwraps(t *testing.T) {
	te := &TokenError{Status: 400, Code: "invalid_grant", Reason: "refresh_token_expired", Description: "refresh token expired"}
	err := giveUp(nil, te)
	var got *TokenError
	if !errors.As(err, &got) || got.Code != "invalid_grant" {
		t.Errorf("errors.As(%v) did not find the TokenError", err)
	}
	if want := "invalid_grant (refresh_token_expired): refresh token expired"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
}

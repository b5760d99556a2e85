package resilient_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authchaos/authchaos/clients/internal/chaostest"
	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

// concurrently makes n identical calls at once.
func concurrently(c adapter.Client, path string, n int) []adapter.Result {
	out := make([]adapter.Result, n)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = c.Do(context.Background(), chaostest.Get(path))
		}()
	}
	wg.Wait()
	return out
}

// TestSingleFlight: calls that fail together with one dead credential
// share one renewal, whatever the renewal is.
func TestSingleFlight(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		params   map[string]string
		auth     adapter.AuthKind
		scopes   []string
		advance  time.Duration
		path     string
		renewals func(fakeserver.Entry) bool
	}{
		{"refresh after token expiry", "expired-token", nil, adapter.AuthOAuth2Password, nil, 6 * time.Minute, "/api/items", isToken},
		{"new client_credentials grant after expiry", "expired-token", nil, adapter.AuthOAuth2ClientCredentials, nil, 6 * time.Minute, "/api/items", isToken},
		{"re-login after session expiry", "expired-session", nil, adapter.AuthSession, nil, 20 * time.Minute, "/api/items", path("/login")},
		{"step-up for a missing scope", "scope-mismatch", nil, adapter.AuthOAuth2Password, []string{"read"}, 0, "/api/items", isToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := chaostest.Server(t, tt.scenario, tt.params)
			target := chaostest.Target(s, tt.auth)
			c, err := resilient.New(target)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if r := c.Do(t.Context(), chaostest.Get("/api/me")); r.Status != 200 {
				t.Fatalf("warm-up: %d %q", r.Status, r.Error)
			}
			s.Advance(tt.advance)
			mark := s.Journal().LastSeq()
			for i, r := range concurrently(c, tt.path, 8) {
				if r.Status != 200 {
					t.Errorf("call %d: %d %q", i, r.Status, r.Error)
				}
			}
			count(t, "renewals for 8 concurrent failing calls", s.Journal().Entries(mark), tt.renewals, 1)
		})
	}
}

// TestNoLeakForAnyAuthKind: whatever the credential, it stays on its
// origin through redirect-strips-auth's cross-host, other-port and
// same-origin redirects, and the calls still succeed.
func TestNoLeakForAnyAuthKind(t *testing.T) {
	for _, auth := range []adapter.AuthKind{adapter.AuthOAuth2Password, adapter.AuthOAuth2ClientCredentials, adapter.AuthSession, adapter.AuthBasic, adapter.AuthAPIKey} {
		for _, bugs := range []resilient.Bugs{{}, {LeakOnRedirect: true}} {
			t.Run(string(auth)+map[bool]string{true: "/leak-on-redirect", false: ""}[bugs.LeakOnRedirect], func(t *testing.T) {
				t.Parallel()
				s := chaostest.Server(t, "redirect-strips-auth", nil)
				c, err := resilient.New(chaostest.Target(s, auth), resilient.WithBugs(bugs))
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				for _, p := range []string{"/api/me", "/api/items", "/api/export"} {
					if r := c.Do(t.Context(), chaostest.Get(p)); r.Status != 200 {
						t.Errorf("GET %s: %d %q", p, r.Status, r.Error)
					}
				}
				leaks := suites.Leaks(s.Journal().Entries(0))
				if want := map[bool]int{false: 0, true: 2}[bugs.LeakOnRedirect]; len(leaks) != want {
					t.Errorf("%d credentials reached another origin (%s), want %d", len(leaks), suites.SeqRange(leaks), want)
				}
			})
		}
	}
}

// TestFailsFastNamingTheCause covers refusals outside the catalog's
// workloads: each ends at once with an error a judge can read.
func TestFailsFastNamingTheCause(t *testing.T) {
	tests := []struct {
		name       string
		scenario   string
		params     map[string]string
		auth       adapter.AuthKind
		edit       func(*adapter.Target)
		path       string
		wantStatus int
		wantError  []string
		attempts   int // API calls the failing call may make
	}{
		{"step-up refused", "scope-mismatch", map[string]string{"scope": "admin"}, adapter.AuthOAuth2Password, nil,
			"/api/items", 403, []string{"step-up refused", `"admin"`}, 1},
		{"server asks for a scheme the client lacks", "wrong-scheme", nil, adapter.AuthOAuth2ClientCredentials,
			func(t *adapter.Target) { t.APIKey = "" },
			"/api/items", 401, []string{`server asks for ApiKey realm="authchaos"; this client holds no ApiKey credential`}, 1},
		{"wrong password with Basic, remembered", "", nil, adapter.AuthBasic,
			func(t *adapter.Target) { t.Password = "wonderIand" },
			"/api/me", 401, []string{"wrong_password"}, 1},
		{"wrong password with the password grant", "", nil, adapter.AuthOAuth2Password,
			func(t *adapter.Target) { t.Password = "wonderIand" },
			"/api/me", 0, []string{"login failed: wrong_password"}, 0},
		{"wrong client secret", "", nil, adapter.AuthOAuth2ClientCredentials,
			func(t *adapter.Target) { t.ClientSecret = "nope" },
			"/api/me", 0, []string{"invalid_client"}, 0},
		{"mfa without an otp_url", "mfa-required", nil, adapter.AuthSession,
			func(t *adapter.Target) { t.OTPURL = "" },
			"/api/me", 0, []string{"mfa_required", "otp_url"}, 0},
		{"not found", "", nil, adapter.AuthAPIKey, nil,
			"/api/nowhere", 404, []string{"HTTP 404", "not_found"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := chaostest.Server(t, tt.scenario, tt.params)
			target := chaostest.Target(s, tt.auth)
			if tt.edit != nil {
				tt.edit(&target)
			}
			c, err := resilient.New(target)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// Three calls: a refusal that names the credential is
			// remembered, so later calls do not send it again.
			for i := range 3 {
				mark := s.Journal().LastSeq()
				r := c.Do(t.Context(), chaostest.Get(tt.path))
				if r.Status != tt.wantStatus && !(i > 0 && r.Status == 0 && strings.Contains(r.Error, "not sent")) {
					t.Errorf("call %d: status %d, want %d (error %q)", i+1, r.Status, tt.wantStatus, r.Error)
				}
				for _, w := range tt.wantError {
					if !strings.Contains(r.Error, w) {
						t.Errorf("call %d: error %q does not contain %q", i+1, r.Error, w)
					}
				}
				if i == 0 {
					count(t, "API calls", s.Journal().Entries(mark), isAPI, tt.attempts)
				}
			}
			count(t, "authentications with a refused credential", s.Journal().Entries(0), func(e fakeserver.Entry) bool {
				return (isAuth(e) || isAPI(e)) && (e.Reason == journal.WrongPassword || e.Reason == journal.InvalidClient)
			}, map[bool]int{true: 1, false: 0}[strings.Contains(tt.name, "wrong")])
			count(t, "locked accounts", s.Journal().Entries(0), reason(journal.AccountLocked), 0)
		})
	}
}

// TestSwitchesToBasic: a route that takes only Basic gets the user's
// password from a client that signs in as that user.
func TestSwitchesToBasic(t *testing.T) {
	s := chaostest.Server(t, "wrong-scheme", map[string]string{"scheme": "Basic"})
	c, err := resilient.New(chaostest.Target(s, adapter.AuthOAuth2Password))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r := c.Do(t.Context(), chaostest.Get("/api/items")); r.Status != 200 {
		t.Fatalf("GET /api/items: %d %q", r.Status, r.Error)
	}
	count(t, "Basic calls that worked", s.Journal().Entries(0), func(e fakeserver.Entry) bool {
		return e.Path == "/api/items" && e.Scheme == "Basic" && e.Status == 200
	}, 1)
}

// TestRefreshFallsBackToLogin: a dead refresh token earns one new
// password grant, and the call succeeds.
func TestRefreshFallsBackToLogin(t *testing.T) {
	s := chaostest.Server(t, "expired-token", nil)
	c, err := resilient.New(chaostest.Target(s, adapter.AuthOAuth2Password))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r := c.Do(t.Context(), chaostest.Get("/api/items")); r.Status != 200 {
		t.Fatalf("first call: %d %q", r.Status, r.Error)
	}
	if err := s.Do("expire-refresh-tokens", ""); err != nil {
		t.Fatal(err)
	}
	s.Advance(6 * time.Minute)
	mark := s.Journal().LastSeq()
	if r := c.Do(t.Context(), chaostest.Get("/api/items")); r.Status != 200 {
		t.Fatalf("after expiry: %d %q", r.Status, r.Error)
	}
	after := s.Journal().Entries(mark)
	count(t, "refused refresh grants", after, func(e fakeserver.Entry) bool { return grant("refresh_token")(e) && e.Status == 400 }, 1)
	count(t, "password grants", after, grant("password"), 1)
}

// TestBodyIsResent: a POST that meets an expired token is retried with its body.
func TestBodyIsResent(t *testing.T) {
	s := chaostest.Server(t, "expired-token", nil)
	target := chaostest.Target(s, adapter.AuthOAuth2Password)
	target.Scopes = []string{"read", "write"}
	c, err := resilient.New(target)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := `{"name":"kite"}`
	if r := c.Do(t.Context(), adapter.Call{Method: "POST", Path: "/api/items", Body: &body}); r.Status != 201 {
		t.Fatalf("first POST: %d %q", r.Status, r.Error)
	}
	s.Advance(6 * time.Minute)
	if r := c.Do(t.Context(), adapter.Call{Method: "POST", Path: "/api/items", Body: &body}); r.Status != 201 {
		t.Fatalf("POST after expiry: %d %q", r.Status, r.Error)
	}
}

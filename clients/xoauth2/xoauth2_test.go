package xoauth2_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/clients/internal/chaostest"
	"github.com/authchaos/authchaos/clients/xoauth2"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

func TestUnsupportedKinds(t *testing.T) {
	for _, auth := range []adapter.AuthKind{adapter.AuthSession, adapter.AuthBasic, adapter.AuthAPIKey} {
		_, err := xoauth2.Factory()(t.Context(), adapter.Target{Auth: auth})
		if !errors.Is(err, adapter.ErrUnsupported) {
			t.Errorf("%s: %v, want an error wrapping adapter.ErrUnsupported", auth, err)
		}
	}
}

// TestWhatXOAuth2Does records, against the fake server, what the library
// does as documented. These are findings about x/oauth2, not bugs here.
func TestWhatXOAuth2Does(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		auth     adapter.AuthKind
		stored   bool          // start from a stored token
		advance  time.Duration // before the second call
		path     string        // of the second call
		status   int
		error    string
		tokens   int // token requests in all
		leaks    int
	}{
		{"password grant works", "", adapter.AuthOAuth2Password, false, 0, "/api/items", 200, "", 1, 0},
		{"client credentials work", "", adapter.AuthOAuth2ClientCredentials, false, 0, "/api/items", 200, "", 1, 0},
		{"a stored token is used as is", "", adapter.AuthOAuth2Password, true, 0, "/api/items", 200, "", 0, 0},
		// x/oauth2 renews only when its own clock says the token expired,
		// and never on a 401: the server's clock moved, its did not.
		{"a 401 invalid_token is returned, not refreshed", "expired-token", adapter.AuthOAuth2Password, false, 6 * time.Minute, "/api/items", 401, "HTTP 401 Unauthorized", 1, 0},
		// oauth2.Transport sets Authorization on every request it carries,
		// and http.Client sends redirect hops through it.
		{"the token follows redirects to other origins", "redirect-strips-auth", adapter.AuthOAuth2ClientCredentials, false, 0, "/api/export", 200, "", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := chaostest.Server(t, tt.scenario, nil)
			target := chaostest.Target(s, tt.auth)
			if tt.stored {
				var err error
				if target.AccessToken, target.RefreshToken, err = s.MintToken("alice", "read"); err != nil {
					t.Fatal(err)
				}
			}
			c, err := xoauth2.New(target)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if r := c.Do(t.Context(), chaostest.Get("/api/me")); r.Status != 200 {
				t.Fatalf("first call: %d %q", r.Status, r.Error)
			}
			s.Advance(tt.advance)
			r := c.Do(t.Context(), chaostest.Get(tt.path))
			if r.Status != tt.status || !strings.HasPrefix(r.Error, tt.error) || (tt.error == "") != (r.Error == "") {
				t.Errorf("GET %s: %d %q, want %d %q", tt.path, r.Status, r.Error, tt.status, tt.error)
			}
			es := s.Journal().Entries(0)
			if n := suites.Count(es, suites.IsTokenRequest); n != tt.tokens {
				t.Errorf("%d token requests, want %d", n, tt.tokens)
			}
			if n := len(suites.Leaks(es)); n != tt.leaks {
				t.Errorf("%d credentials sent to other origins, want %d", n, tt.leaks)
			}
		})
	}
}

// TestTokenErrorsSurfaceAsCallErrors: a refused grant is the call's error,
// in x/oauth2's words, which name the RFC 6749 error code.
func TestTokenErrorsSurfaceAsCallErrors(t *testing.T) {
	s := chaostest.Server(t, "", nil)
	target := chaostest.Target(s, adapter.AuthOAuth2ClientCredentials)
	target.ClientSecret = "staging-secret"
	c, err := xoauth2.New(target)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Do(t.Context(), chaostest.Get("/api/me"))
	if r.Status != 0 || !strings.Contains(r.Error, "invalid_client") {
		t.Errorf("result %d %q, want status 0 and an error naming invalid_client", r.Status, r.Error)
	}
}

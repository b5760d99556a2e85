package xoauth2_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authchaos/authchaos/clients/internal/chaostest"
	"github.com/authchaos/authchaos/clients/xoauth2"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
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

func TestDPoPAndDiscoveryAreUnsupported(t *testing.T) {
	for name, target := range map[string]adapter.Target{
		"dpop":      {Auth: adapter.AuthOAuth2ClientCredentials, TokenURL: "http://127.0.0.1:1/oauth/token", DPoP: true},
		"discovery": {Auth: adapter.AuthOAuth2ClientCredentials, ResourceURL: "http://127.0.0.1:1/api/"},
		"digest":    {Auth: adapter.AuthDigest},
	} {
		if _, err := xoauth2.New(target); !errors.Is(err, adapter.ErrUnsupported) {
			t.Errorf("%s: %v, want an error wrapping adapter.ErrUnsupported", name, err)
		}
	}
}

// devicePolls are the device flow's polls of the token endpoint.
func devicePolls(s *fakeserver.Server) []fakeserver.Entry {
	return suites.Filter(s.Journal().Entries(0), suites.IsDevicePoll)
}

// TestWhatXOAuth2DoesInTheDeviceFlow records, in real time (the
// scenario's interval is 1 s), what DeviceAccessToken does on
// authorization_pending, slow_down and access_denied. Its own pacing is
// RFC 8628's (deviceauth.go:191-224), but with the zero Endpoint.AuthStyle
// every refused poll is sent a second time at once with the client
// secret in the form (internal/token.go:230-246): the server counts that
// as polling too fast.
func TestWhatXOAuth2DoesInTheDeviceFlow(t *testing.T) {
	tests := []struct {
		name    string
		outcome string
		status  int
		error   string
		reasons []journal.Reason // of the polls, in order
	}{
		{"approved after pending and slow_down", "approved", 200, "",
			[]journal.Reason{journal.DevicePending, journal.DeviceSlowDown, ""}},
		{"denied", "denied", 0, "access_denied",
			[]journal.Reason{journal.DevicePending, journal.DeviceSlowDown, journal.DeviceAccessDenied, journal.DeviceAccessDenied}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := chaostest.Server(t, "device-flow", map[string]string{"outcome": tt.outcome})
			target := chaostest.Target(s, adapter.AuthOAuth2DeviceCode)
			target.DeviceAuthorizationURL = s.URL() + "/oauth/device_authorization"
			c, err := xoauth2.New(target)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
			defer cancel()
			r := c.Do(ctx, chaostest.Get("/api/items"))
			if r.Status != tt.status || !strings.Contains(r.Error, tt.error) || (tt.error == "") != (r.Error == "") {
				t.Errorf("GET /api/items: %d %q, want %d and an error containing %q", r.Status, r.Error, tt.status, tt.error)
			}
			polls := devicePolls(s)
			var got []journal.Reason
			for _, p := range polls {
				got = append(got, p.Reason)
			}
			if !slices.Equal(got, tt.reasons) {
				t.Fatalf("polls answered %q, want %q", got, tt.reasons)
			}
			// The auth-style probe: the second poll follows the first at
			// once, without Basic, and the slow_down it earns adds 5 s.
			if gap := polls[1].At.Sub(polls[0].At); gap > 500*time.Millisecond || polls[0].Scheme != "Basic" || polls[1].Scheme != "none" {
				t.Errorf("poll 2 came %s after poll 1 (%s then %s), want at once, Basic then the form", gap, polls[0].Scheme, polls[1].Scheme)
			}
			if gap := polls[2].At.Sub(polls[1].At); gap < 6*time.Second-100*time.Millisecond {
				t.Errorf("poll 3 came %s after the slow_down, want the interval grown to 6 s", gap)
			}
		})
	}
}

// TestDeviceAuthSendsNoClientSecret: without the secret as an
// AuthCodeOption, DeviceAuth authenticates no client (golang/oauth2#685),
// and a server that holds the client confidential refuses it.
func TestDeviceAuthSendsNoClientSecret(t *testing.T) {
	s := chaostest.Server(t, "", nil)
	conf := &oauth2.Config{ClientID: "authchaos-client", ClientSecret: chaostest.Target(s, adapter.AuthOAuth2DeviceCode).ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: s.URL() + "/oauth/token", DeviceAuthURL: s.URL() + "/oauth/device_authorization"}}
	_, err := conf.DeviceAuth(t.Context())
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		t.Errorf("DeviceAuth: %v, want invalid_client", err)
	}
}

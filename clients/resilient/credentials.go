package resilient

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/authchaos/authchaos/suites/adapter"
)

// credentials are what the client authenticates with, shared by every
// call. Renewals are single-flight per scheme: calls that failed with the
// same credential wait for one renewal, and a call whose credential was
// already replaced just retries with the new one.
type credentials struct {
	t      adapter.Target
	base   *url.URL
	http   *http.Client // token endpoint, login and OTP; never follows redirects
	bugs   Bugs
	flight singleflight.Group
	jar    *cookiejar.Jar

	mu       sync.Mutex
	access   string
	refresh  string
	scopes   []string // to ask for; step-up widens them
	granted  []string // of the current access token
	rejected error    // the server refused the password or client: never send it again
	unusable error    // the login's session cookie can never come back: why
}

func newCredentials(t adapter.Target, base *url.URL, tr http.RoundTripper, bugs Bugs) (*credentials, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	return &credentials{
		t: t, base: base, bugs: bugs, jar: jar,
		// A 307 from the token endpoint would replay the password to
		// wherever it points: never follow one.
		http: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		access: t.AccessToken, refresh: t.RefreshToken,
		scopes: slices.Clone(t.Scopes), granted: slices.Clone(t.Scopes),
	}, nil
}

// primary is the scheme the Target's auth kind sends.
func (c *credentials) primary() string {
	switch c.t.Auth {
	case adapter.AuthOAuth2Password, adapter.AuthOAuth2ClientCredentials:
		return Bearer
	case adapter.AuthSession:
		return Session
	case adapter.AuthBasic:
		return Basic
	}
	return APIKey
}

// canGrant reports whether the client can ask the token endpoint for a
// new token with its primary credentials.
func (c *credentials) canGrant() bool {
	return c.t.Auth == adapter.AuthOAuth2Password || c.t.Auth == adapter.AuthOAuth2ClientCredentials
}

// holds reports whether the client has a credential of scheme.
func (c *credentials) holds(scheme string) bool {
	switch scheme {
	case Bearer:
		return c.canGrant() || c.current(Bearer) != ""
	case Basic:
		// The user's password, for the kinds that sign in as the user.
		return c.t.Username != "" && c.t.Password != "" &&
			(c.t.Auth == adapter.AuthOAuth2Password || c.t.Auth == adapter.AuthSession || c.t.Auth == adapter.AuthBasic)
	case APIKey:
		return c.t.APIKey != ""
	case Session:
		// Logging in as a user is another identity, not another scheme:
		// only a session client does it.
		return c.primary() == Session
	}
	return false
}

// current is the header value the client sends for scheme now, "" when it
// has none yet. Renewals compare it with what a failed call sent.
func (c *credentials) current(scheme string) string {
	switch scheme {
	case Bearer:
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.access == "" {
			return ""
		}
		return "Bearer " + c.access
	case Basic:
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.t.Username+":"+c.t.Password))
	case APIKey:
		return "ApiKey " + c.t.APIKey
	case Session:
		var pairs []string
		for _, ck := range c.jar.Cookies(c.base) {
			pairs = append(pairs, ck.Name+"="+ck.Value)
		}
		return strings.Join(pairs, "; ")
	}
	return ""
}

// attach sets scheme's credential on req, authenticating first when the
// client has none yet.
func (c *credentials) attach(req *http.Request, scheme string) error {
	if err := c.refused(); err != nil {
		return err
	}
	if c.current(scheme) == "" && !(scheme == Session && c.cookieUnusable() != nil) {
		if err := c.renew(req.Context(), scheme, ""); err != nil {
			return err
		}
	}
	switch v := c.current(scheme); {
	case v == "":
		// A session whose cookie cannot come back: the call goes without
		// it, as from a correct cookie jar, and its 401 is explained.
	case scheme == Session:
		req.Header.Set("Cookie", v)
	default:
		req.Header.Set("Authorization", v)
	}
	return nil
}

// renew replaces scheme's credential, once for all the calls that saw used
// fail. used is "" for the first authentication.
func (c *credentials) renew(ctx context.Context, scheme, used string) error {
	if c.bugs.NoSingleFlight && used != "" {
		return c.fresh(ctx, scheme) // bug: every failing call renews on its own
	}
	_, err, _ := c.flight.Do(scheme, func() (any, error) {
		if c.current(scheme) != used && !c.bugs.NoReplacedCheck { // bug: renew whatever was sent
			return nil, nil // another call already replaced it
		}
		return nil, c.fresh(ctx, scheme)
	})
	return err
}

// fresh gets a new credential of scheme now.
func (c *credentials) fresh(ctx context.Context, scheme string) error {
	if err := c.refused(); err != nil {
		return err
	}
	switch scheme {
	case Bearer:
		return c.refreshToken(ctx)
	case Session:
		if err := c.cookieUnusable(); err != nil {
			return err // logging in again sets the same cookie: say why instead
		}
		return c.login(ctx)
	}
	return fmt.Errorf("a %s credential cannot be renewed", scheme)
}

// cookieUnusable is why the login's session cookie never comes back, if so.
func (c *credentials) cookieUnusable() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unusable
}

// refused is the sticky refusal of the password or client, if any.
func (c *credentials) refused() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rejected == nil {
		return nil
	}
	return fmt.Errorf("not sent: the server refused these credentials on an earlier call: %w", c.rejected)
}

// refuse remembers that the server called the primary credentials wrong:
// sending them again only counts toward a lock-out.
func (c *credentials) refuse(err error) {
	c.mu.Lock()
	c.rejected = err
	c.mu.Unlock()
}

// rejectsCredentials reports whether a refusal says the password or client
// itself is wrong, as opposed to a code that expired or a busy server.
func rejectsCredentials(reason, code string) bool {
	switch reason {
	case "wrong_password", "account_locked", "invalid_client":
		return true
	}
	return code == "invalid_client" || code == "unauthorized_client"
}

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
	"time"

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
	tokenURL string   // the token endpoint: the Target's, or discovered
	resource string   // RFC 8707 resource indicator for token requests
	mfa      bool     // the API asked for acr mfa: grants carry a one-time code

	dpop   *dpopKey // the proof key, when the Target asks for DPoP
	digest digestState
	sleep  func(ctx context.Context, d time.Duration) error // between device polls
}

func newCredentials(t adapter.Target, base *url.URL, tr http.RoundTripper, o Options) (*credentials, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := &credentials{
		t: t, base: base, bugs: o.Bugs, jar: jar, sleep: o.Sleep,
		access: t.AccessToken, refresh: t.RefreshToken,
		scopes: slices.Clone(t.Scopes), granted: slices.Clone(t.Scopes),
		tokenURL: t.TokenURL,
	}
	if t.TokenURL != "" && !o.Bugs.NoResourceIndicator { // bug: ask for a token for no resource in particular
		c.resource = t.ResourceURL
	}
	if t.DPoP {
		if c.dpop, err = newDPoPKey(); err != nil {
			return nil, err
		}
		// Token requests carry a proof and are retried once for a nonce.
		tr = &nonceLayer{next: &dpopLayer{next: tr, key: c.dpop}, creds: c, bugs: o.Bugs}
	}
	// A 307 from the token endpoint would replay the password to
	// wherever it points: never follow one.
	c.http = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return c, nil
}

// primary is the scheme the Target's auth kind sends.
func (c *credentials) primary() string {
	switch c.t.Auth {
	case adapter.AuthOAuth2Password, adapter.AuthOAuth2ClientCredentials, adapter.AuthOAuth2DeviceCode:
		if c.dpop != nil {
			return DPoP
		}
		return Bearer
	case adapter.AuthDigest:
		return Digest
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
	return c.t.Auth == adapter.AuthOAuth2Password || c.t.Auth == adapter.AuthOAuth2ClientCredentials ||
		c.t.Auth == adapter.AuthOAuth2DeviceCode
}

// endpoint is the token endpoint, "" until discovery finds it.
func (c *credentials) endpoint() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokenURL
}

// holds reports whether the client has a credential of scheme.
func (c *credentials) holds(scheme string) bool {
	switch scheme {
	case Bearer, DPoP:
		return (scheme == DPoP) == (c.dpop != nil) && (c.canGrant() || c.current(scheme) != "")
	case Digest:
		return c.t.Auth == adapter.AuthDigest
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
	case Bearer, DPoP:
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.access == "" {
			return ""
		}
		return scheme + " " + c.access
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
	if scheme == Digest {
		// Digest answers the server's challenge: nothing before the first.
		v, err := c.digest.authorization(req, c.t.Username, c.t.Password)
		if v != "" {
			req.Header.Set("Authorization", v)
		}
		return err
	}
	undiscovered := (scheme == Bearer || scheme == DPoP) && c.canGrant() && c.endpoint() == ""
	if c.current(scheme) == "" && !(scheme == Session && c.cookieUnusable() != nil) && !undiscovered {
		// (Without a token endpoint yet, the call goes without a token:
		// the API's 401 names where to find one, RFC 9728.)
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
	case Bearer, DPoP:
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

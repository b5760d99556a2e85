package resilient

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
		if c.current(scheme) != used {
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

// --- OAuth 2 ---------------------------------------------------------------

// tokenResponse is RFC 6749 §5.1.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// TokenError is an error answer of the token endpoint (RFC 6749 §5.2).
type TokenError struct {
	Status      int
	Code        string // RFC 6749 error: invalid_grant, invalid_client...
	Reason      string // the server's machine reason, when it gives one
	Description string
	Hint        string
}

func (e *TokenError) Error() string {
	label := firstOf(e.Code, fmt.Sprintf("HTTP %d", e.Status))
	if e.Reason != "" && e.Reason != label {
		label += " (" + e.Reason + ")"
	}
	return joinNonEmpty(": ", label, e.Description, e.Hint)
}

// refreshToken gets a new access token: the refresh_token grant when the
// client has a refresh token, and one new primary grant when that refresh
// token is dead (invalid_grant: expired, revoked, rotated away).
func (c *credentials) refreshToken(ctx context.Context) error {
	c.mu.Lock()
	rt := c.refresh
	c.mu.Unlock()
	if rt == "" {
		return c.grant(ctx)
	}
	tok, err := c.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if err == nil {
		c.store(tok)
		return nil
	}
	var te *TokenError
	if !errors.As(err, &te) || te.Code != "invalid_grant" || !c.canGrant() {
		return fmt.Errorf("token refresh failed: %w", err)
	}
	c.mu.Lock()
	c.refresh = ""
	c.mu.Unlock()
	if gerr := c.grant(ctx); gerr != nil {
		return fmt.Errorf("token refresh failed: %v; then %w", err, gerr)
	}
	return nil
}

// grant asks for a new token with the primary credentials: the password
// grant or client_credentials, with the scopes the client wants.
func (c *credentials) grant(ctx context.Context) error {
	form := url.Values{}
	what := "token request failed"
	switch c.t.Auth {
	case adapter.AuthOAuth2Password:
		form.Set("grant_type", "password")
		form.Set("username", c.t.Username)
		form.Set("password", c.t.Password)
		what = "login failed"
	case adapter.AuthOAuth2ClientCredentials:
		form.Set("grant_type", "client_credentials")
	default:
		return fmt.Errorf("auth kind %s has no token grant", c.t.Auth)
	}
	c.mu.Lock()
	if len(c.scopes) > 0 {
		form.Set("scope", strings.Join(c.scopes, " "))
	}
	c.mu.Unlock()
	tries := 1
	if c.bugs.RetryWrongPassword {
		tries = 5 // bug: guess again with the same password
	}
	var err error
	for range tries {
		var tok *tokenResponse
		if tok, err = c.tokenWithOTP(ctx, form); err == nil {
			c.store(tok)
			return nil
		}
	}
	var te *TokenError
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %w", what, err)
	}
	failed := &Error{Cause: fmt.Sprintf("%s: %s: %s", what, firstOf(te.Reason, te.Code), firstOf(te.Hint, te.Description)), Err: te}
	if rejectsCredentials(te.Reason, te.Code) {
		c.refuse(failed)
	}
	return failed
}

// tokenWithOTP posts form, and once more with a one-time code if the
// server answers mfa_required.
func (c *credentials) tokenWithOTP(ctx context.Context, form url.Values) (*tokenResponse, error) {
	tok, err := c.token(ctx, form)
	var te *TokenError
	if !errors.As(err, &te) || (te.Code != "mfa_required" && te.Reason != "mfa_required") {
		return tok, err
	}
	otp, oerr := c.readOTP(ctx)
	if oerr != nil {
		return nil, fmt.Errorf("%w; %v", err, oerr)
	}
	withOTP := url.Values{"otp": {otp}}
	for k, v := range form {
		withOTP[k] = v
	}
	return c.token(ctx, withOTP)
}

// token posts a grant to the token endpoint, authenticating the client with
// HTTP Basic, id and secret form-encoded first (RFC 6749 §2.3.1).
func (c *credentials) token(ctx context.Context, form url.Values) (*tokenResponse, error) {
	if c.t.ClientSecret == "" && c.t.ClientID != "" {
		form = cloneValues(form)
		form.Set("client_id", c.t.ClientID) // a public client
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.t.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("token URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.t.ClientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(c.t.ClientID), url.QueryEscape(c.t.ClientSecret))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
			Reason      string `json:"reason"`
			Hint        string `json:"hint"`
		}
		if json.Unmarshal(body, &e) != nil {
			e.Description = firstLine(body)
		}
		return nil, &TokenError{Status: resp.StatusCode, Code: e.Error, Reason: e.Reason, Description: e.Description, Hint: e.Hint}
	}
	var tok tokenResponse
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("token endpoint answered 200 without an access_token")
	}
	return &tok, nil
}

// store keeps a new token. A server that rotates refresh tokens sends a
// new one with each refresh; one that does not sends none or the same.
func (c *credentials) store(tok *tokenResponse) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.access = tok.AccessToken
	if tok.RefreshToken != "" && !(c.bugs.ReuseRotatedRefresh && c.refresh != "") { // bug: keep the first
		c.refresh = tok.RefreshToken
	}
	c.granted = c.scopes
	if tok.Scope != "" {
		c.granted = strings.Fields(tok.Scope)
	}
}

// stepUp gets a token that also has the scopes need, with a new grant (a
// refresh cannot widen scope), once for every call that failed with used.
func (c *credentials) stepUp(ctx context.Context, used string, need []string) error {
	_, err, _ := c.flight.Do("step-up", func() (any, error) {
		if c.current(Bearer) != used {
			return nil, nil
		}
		c.mu.Lock()
		for _, s := range append(slices.Clone(c.granted), need...) {
			if !slices.Contains(c.scopes, s) {
				c.scopes = append(c.scopes, s)
			}
		}
		c.mu.Unlock()
		if err := c.grant(ctx); err != nil {
			return nil, fmt.Errorf("step-up to scope %q failed: %w", strings.Join(need, " "), err)
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		var missing []string
		for _, s := range need {
			if !slices.Contains(c.granted, s) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("step-up refused: the token endpoint granted scope %q, not %q", strings.Join(c.granted, " "), strings.Join(missing, " "))
		}
		return nil, nil
	})
	return err
}

// --- Sessions --------------------------------------------------------------

// loginAnswer is what POST /login said.
type loginAnswer struct {
	status  int
	reason  string
	hint    string
	cookies []*http.Cookie
}

// login posts the username and password as JSON, reads a one-time code
// when the server asks for one, and keeps the session cookie, failing at
// once if the cookie could never come back to the API.
func (c *credentials) login(ctx context.Context) error {
	body := map[string]string{"username": c.t.Username, "password": c.t.Password}
	tries := 1
	if c.bugs.RetryWrongPassword {
		tries = 5 // bug: guess again with the same password
	}
	var ans *loginAnswer
	var err error
	for range tries {
		if ans, err = c.postLogin(ctx, body); err != nil {
			return fmt.Errorf("login failed: %w", err)
		}
		// mfa_required: read the code and log in with it; otp_expired (the
		// code turned over on the way): read the new one, once.
		for _, wantsCode := range []string{"mfa_required", "otp_expired"} {
			if ans.status == http.StatusUnauthorized && ans.reason == wantsCode && c.t.OTPURL != "" {
				otp, err := c.readOTP(ctx)
				if err != nil {
					return fmt.Errorf("login failed: %s: %w", wantsCode, err)
				}
				body["otp"] = otp
				if ans, err = c.postLogin(ctx, body); err != nil {
					return fmt.Errorf("login failed: %w", err)
				}
			}
		}
		if ans.status == http.StatusOK {
			break
		}
	}
	if ans.status != http.StatusOK {
		err := fmt.Errorf("login failed: %s", joinNonEmpty(": ", firstOf(ans.reason, fmt.Sprintf("HTTP %d", ans.status)), ans.hint))
		if rejectsCredentials(ans.reason, "") {
			c.refuse(err)
		}
		return err
	}
	// Keep the cookies a correct cookie jar keeps. If the session cookie
	// is not among them, every call will arrive without it: remember why,
	// so the first 401 says so instead of logging in again in a loop.
	login, _ := url.Parse(c.t.LoginURL)
	var keep []*http.Cookie
	var problems []string
	for _, ck := range ans.cookies {
		if problem := cookieProblem(ck, login, c.base); problem != "" {
			problems = append(problems, problem)
		} else {
			keep = append(keep, ck)
		}
	}
	c.jar.SetCookies(login, keep)
	if len(problems) > 0 || c.current(Session) == "" {
		problems = append(problems, fmt.Sprintf("login succeeded but set no session cookie that would be sent to %s", c.base.Redacted()))
		c.mu.Lock()
		c.unusable = errors.New(problems[0])
		c.mu.Unlock()
	}
	return nil
}

func (c *credentials) postLogin(ctx context.Context, body map[string]string) (*loginAnswer, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.t.LoginURL, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("login URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	var fields struct{ Reason, Hint, Message, Error string }
	if json.Unmarshal(raw, &fields) != nil {
		fields.Hint = firstLine(raw)
	}
	return &loginAnswer{status: resp.StatusCode, reason: firstOf(fields.Reason, fields.Error),
		hint: firstOf(fields.Hint, fields.Message), cookies: resp.Cookies()}, nil
}

// readOTP reads the current one-time code, as a user reads their phone.
func (c *credentials) readOTP(ctx context.Context) (string, error) {
	if c.t.OTPURL == "" {
		return "", errors.New("the server wants a one-time code and this client has no otp_url to read one from")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.t.OTPURL, nil)
	if err != nil {
		return "", fmt.Errorf("otp URL: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("reading the one-time code: %w", err)
	}
	defer resp.Body.Close()
	var v struct {
		OTP string `json:"otp"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&v); err != nil || v.OTP == "" {
		return "", fmt.Errorf("reading the one-time code: otp_url answered %d without an otp", resp.StatusCode)
	}
	return v.OTP, nil
}

// keepCookies stores cookies the API sets on its answers (a rotated session).
func (c *credentials) keepCookies(resp *http.Response) {
	if cks := resp.Cookies(); len(cks) > 0 && resp.Request != nil {
		c.jar.SetCookies(resp.Request.URL, cks)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

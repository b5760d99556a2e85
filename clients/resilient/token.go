// OAuth 2 at the token endpoint (RFC 6749): the primary grant, refresh,
// step-up to a wider scope, and the error answers, read as §5.2 says.

package resilient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/authchaos/authchaos/suites/adapter"
)

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
		// Only the grant's error is the cause callers act on (errors.As
		// finds the first wrapped match); the refresh's is context.
		return fmt.Errorf("token refresh failed: %v; then %w", err, gerr) //nolint:errorlint // see above
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
	case adapter.AuthOAuth2DeviceCode:
		return c.deviceGrant(ctx)
	default:
		return fmt.Errorf("auth kind %s has no token grant", c.t.Auth)
	}
	c.mu.Lock()
	if len(c.scopes) > 0 {
		form.Set("scope", strings.Join(c.scopes, " "))
	}
	mfa := c.mfa
	c.mu.Unlock()
	if mfa {
		// The API asked for a second factor (RFC 9470 acr_values=mfa):
		// the grant carries the one-time code from the start.
		otp, err := c.readOTP(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		form.Set("otp", otp)
	}
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
		// The token endpoint's refusal stays the cause; why no code could
		// be read is context.
		return nil, fmt.Errorf("%w; %v", err, oerr) //nolint:errorlint // see above
	}
	withOTP := url.Values{"otp": {otp}}
	for k, v := range form {
		withOTP[k] = v
	}
	return c.token(ctx, withOTP)
}

// token posts a grant to the token endpoint, for the resource the client
// calls (RFC 8707) when it knows one, with a DPoP proof when it has a key.
func (c *credentials) token(ctx context.Context, form url.Values) (*tokenResponse, error) {
	c.mu.Lock()
	endpoint, resource := c.tokenURL, c.resource
	c.mu.Unlock()
	if resource != "" {
		form = cloneValues(form)
		form.Set("resource", resource)
	}
	if c.dpop != nil {
		ctx = withProof(ctx)
	}
	body, err := c.post(ctx, endpoint, form)
	if err != nil {
		return nil, err
	}
	var tok tokenResponse
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("token endpoint answered 200 without an access_token")
	}
	return &tok, nil
}

// post sends form to an OAuth endpoint, authenticating the client with
// HTTP Basic, id and secret form-encoded first (RFC 6749 §2.3.1), and
// returns the 200's body or the §5.2 error as a TokenError.
func (c *credentials) post(ctx context.Context, endpoint string, form url.Values) ([]byte, error) {
	if c.t.ClientSecret == "" && c.t.ClientID != "" {
		form = cloneValues(form)
		form.Set("client_id", c.t.ClientID) // a public client
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
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
	return body, nil
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
		if c.current(c.primary()) != used {
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

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// Package naive is a client written the way many are: it signs in once,
// never renews, retries any 401 at once, and follows redirects with its
// credential in hand. It is what the suites must fail, so they can be
// trusted when they pass a client.
package naive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/authchaos/authchaos/clients/internal/authkind"
	"github.com/authchaos/authchaos/suites/adapter"
)

// Client is the naive client for one Target.
type Client struct {
	t      adapter.Target
	http   *http.Client
	once   sync.Once
	header string // Authorization or Cookie
	value  string
	err    error
}

var _ adapter.Client = (*Client)(nil)

// Factory builds a naive client per scenario.
func Factory() adapter.Factory {
	return func(_ context.Context, t adapter.Target) (adapter.Client, error) { return New(t) }
}

// New builds a naive client; it signs in on the first call.
func New(t adapter.Target) (*Client, error) {
	// The naive client predates device flow and Digest: it speaks the
	// five original kinds and skips the rest.
	if err := authkind.Check(t.Auth, adapter.AuthOAuth2Password, adapter.AuthOAuth2ClientCredentials,
		adapter.AuthSession, adapter.AuthBasic, adapter.AuthAPIKey); err != nil {
		return nil, err
	}
	return &Client{t: t, http: &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return fmt.Errorf("stopped after 10 redirects")
		}
		// "Keep the call authenticated after a redirect": wherever it goes.
		for _, h := range []string{"Authorization", "Cookie"} {
			if v := via[0].Header.Get(h); v != "" {
				req.Header.Set(h, v)
			}
		}
		return nil
	}}}, nil
}

// signIn gets the one credential the client will ever use.
func (c *Client) signIn(ctx context.Context) (header, value string, err error) {
	t := c.t
	switch t.Auth {
	case adapter.AuthBasic:
		r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
		r.SetBasicAuth(t.Username, t.Password)
		return "Authorization", r.Header.Get("Authorization"), nil
	case adapter.AuthAPIKey:
		return "Authorization", "ApiKey " + t.APIKey, nil
	case adapter.AuthSession:
		body, _ := json.Marshal(map[string]string{"username": t.Username, "password": t.Password})
		resp, err := c.post(ctx, t.LoginURL, "application/json", string(body))
		if err != nil {
			return "", "", err
		}
		defer resp.Body.Close()
		for _, ck := range resp.Cookies() {
			return "Cookie", ck.Name + "=" + ck.Value, nil
		}
		return "", "", fmt.Errorf("no cookie")
	}
	if t.AccessToken != "" {
		return "Authorization", "Bearer " + t.AccessToken, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {t.ClientID}, "client_secret": {t.ClientSecret}}
	if t.Auth == adapter.AuthOAuth2Password {
		form.Set("grant_type", "password")
		form.Set("username", t.Username)
		form.Set("password", t.Password)
	}
	resp, err := c.post(ctx, t.TokenURL, "application/x-www-form-urlencoded", form.Encode())
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	return "Authorization", "Bearer " + tok.AccessToken, err
}

func (c *Client) post(ctx context.Context, u, contentType, body string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err == nil && resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp, err
}

// Do makes the call, retrying a 401 at once up to 5 times.
func (c *Client) Do(ctx context.Context, call adapter.Call) adapter.Result {
	c.once.Do(func() { c.header, c.value, c.err = c.signIn(ctx) })
	if c.err != nil {
		return adapter.Result{Error: c.err.Error()}
	}
	var resp *http.Response
	for attempt := range 6 {
		var body io.Reader
		if call.Body != nil {
			body = strings.NewReader(*call.Body)
		}
		req, err := http.NewRequestWithContext(ctx, call.Method, strings.TrimRight(c.t.BaseURL, "/")+call.Path, body)
		if err != nil {
			return adapter.Result{Error: err.Error()}
		}
		req.Header.Set(c.header, c.value)
		if resp, err = c.http.Do(req); err != nil {
			return adapter.Result{Error: err.Error()}
		}
		if resp.StatusCode != http.StatusUnauthorized {
			break
		}
		if attempt < 5 {
			resp.Body.Close()
		}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	res := adapter.Result{Status: resp.StatusCode, Body: string(b)}
	if resp.StatusCode >= 400 {
		res.Error = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return res
}

// Close does nothing: the naive client holds nothing worth releasing.
func (c *Client) Close() error { return nil }

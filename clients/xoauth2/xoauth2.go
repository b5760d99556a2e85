// Package xoauth2 is golang.org/x/oauth2 used exactly as its documentation
// shows, and nothing more: oauth2.Config.PasswordCredentialsToken then
// Config.Client for passwords, clientcredentials.Config.Client for client
// credentials, and a stored token through Config.TokenSource.
//
// The one idea to hold: this adapter adds no recovery of its own, so what
// the suites report is what x/oauth2 does. It renews a token only when its
// own clock says the token expired, never on a 401; its Transport sets
// Authorization on every request it carries, redirect hops to other origins
// included; and it has no sessions, Basic or API keys, for which the
// Factory returns an error wrapping adapter.ErrUnsupported.
package xoauth2

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authchaos/authchaos/clients/internal/authkind"
	"github.com/authchaos/authchaos/suites/adapter"
)

// Client is an http.Client built by x/oauth2 for one Target.
type Client struct {
	t    adapter.Target
	once sync.Once
	http *http.Client
	err  error
}

var _ adapter.Client = (*Client)(nil)

// Factory builds an x/oauth2 client per scenario.
func Factory() adapter.Factory {
	return func(_ context.Context, t adapter.Target) (adapter.Client, error) { return New(t) }
}

// New checks the auth kind. The token is fetched on the first call, so a
// refused grant is reported like any other call's error.
func New(t adapter.Target) (*Client, error) {
	if err := authkind.Check(t.Auth, adapter.AuthOAuth2Password, adapter.AuthOAuth2ClientCredentials); err != nil {
		return nil, fmt.Errorf("x/oauth2: %w", err)
	}
	return &Client{t: t}, nil
}

// client is the documented way to get an *http.Client for the Target.
func (c *Client) client(ctx context.Context) (*http.Client, error) {
	// x/oauth2 keeps this context for every later token request; one call's
	// cancellation must not end the client.
	ctx = context.WithoutCancel(ctx)
	t := c.t
	stored := &oauth2.Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken}
	if t.Auth == adapter.AuthOAuth2ClientCredentials {
		conf := &clientcredentials.Config{ClientID: t.ClientID, ClientSecret: t.ClientSecret, TokenURL: t.TokenURL, Scopes: t.Scopes}
		if t.AccessToken != "" {
			return oauth2.NewClient(ctx, oauth2.ReuseTokenSource(stored, conf.TokenSource(ctx))), nil
		}
		return conf.Client(ctx), nil
	}
	conf := &oauth2.Config{ClientID: t.ClientID, ClientSecret: t.ClientSecret, Scopes: t.Scopes,
		Endpoint: oauth2.Endpoint{TokenURL: t.TokenURL}}
	if t.AccessToken != "" {
		return oauth2.NewClient(ctx, conf.TokenSource(ctx, stored)), nil
	}
	tok, err := conf.PasswordCredentialsToken(ctx, t.Username, t.Password)
	if err != nil {
		return nil, err
	}
	return conf.Client(ctx, tok), nil
}

// Do is a plain request through the x/oauth2 client. Result.Error is the
// error x/oauth2 or net/http returned, or, for an error status, the
// status and the start of the body: what the thinnest SDK built on
// x/oauth2 would surface, so the suites judge x/oauth2's behaviour rather
// than a missing error message.
func (c *Client) Do(ctx context.Context, call adapter.Call) adapter.Result {
	c.once.Do(func() { c.http, c.err = c.client(ctx) })
	if c.err != nil {
		return adapter.Result{Error: c.err.Error()}
	}
	var body io.Reader
	if call.Body != nil {
		body = strings.NewReader(*call.Body)
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, strings.TrimRight(c.t.BaseURL, "/")+call.Path, body)
	if err != nil {
		return adapter.Result{Error: err.Error()}
	}
	if call.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return adapter.Result{Error: err.Error()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	res := adapter.Result{Status: resp.StatusCode, Body: string(b)}
	switch {
	case err != nil:
		res.Error = err.Error()
	case resp.StatusCode >= 400:
		res.Error = fmt.Sprintf("HTTP %s: %s", resp.Status, firstLine(string(b), 200))
	}
	return res
}

func firstLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// Close does nothing: x/oauth2's client shares http.DefaultTransport.
func (c *Client) Close() error { return nil }

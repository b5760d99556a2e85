// Package xoauth2 is golang.org/x/oauth2 used exactly as its documentation
// shows, and nothing more: oauth2.Config.PasswordCredentialsToken then
// Config.Client for passwords, clientcredentials.Config.Client for client
// credentials, Config.DeviceAuth then Config.DeviceAccessToken for the
// device flow (RFC 8628), and a stored token through Config.TokenSource.
//
// The one idea to hold: this adapter adds no recovery of its own, so what
// the suites report is what x/oauth2 does. It renews a token only when its
// own clock says the token expired, never on a 401; its Transport sets
// Authorization on every request it carries, redirect hops to other origins
// included; and it has no sessions, Basic, API keys or Digest, no DPoP
// (RFC 9449) and no discovery from a resource (RFC 9728), for which the
// Factory returns an error wrapping adapter.ErrUnsupported.
//
// One piece of glue, for the device flow: DeviceAuth sends only
// client_id (deviceauth.go:85-94; golang/oauth2#685, open), so a
// confidential client passes its secret as an AuthCodeOption, the
// workaround that issue gives. The polling is x/oauth2's own.
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
	if err := authkind.Check(t.Auth, adapter.AuthOAuth2Password, adapter.AuthOAuth2ClientCredentials, adapter.AuthOAuth2DeviceCode); err != nil {
		return nil, fmt.Errorf("x/oauth2: %w", err)
	}
	switch {
	case t.DPoP:
		// Token.SetAuthHeader (token.go:91-93) sends the token alone; the
		// module signs no proof anywhere.
		return nil, fmt.Errorf("x/oauth2: %w: DPoP (RFC 9449): it signs no proofs", adapter.ErrUnsupported)
	case t.ResourceURL != "" && t.TokenURL == "":
		// oauth2.Endpoint (oauth2.go:76-85) is configured, never
		// discovered.
		return nil, fmt.Errorf("x/oauth2: %w: discovery from resource_url (RFC 9728): its Endpoint is configured, not discovered", adapter.ErrUnsupported)
	}
	return &Client{t: t}, nil
}

// client is the documented way to get an *http.Client for the Target.
// call is the first call's context, which bounds the device flow's
// polling (the harness's per-call timeout).
func (c *Client) client(call context.Context) (*http.Client, error) {
	// x/oauth2 keeps this context for every later token request; one call's
	// cancellation must not end the client.
	ctx := context.WithoutCancel(call)
	t := c.t
	if t.Auth == adapter.AuthOAuth2DeviceCode {
		return c.device(call, ctx)
	}
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

// device is the device flow as the DeviceAuth example shows it: ask for
// a code, then DeviceAccessToken, which polls until the user approves,
// the server says no, or the code's expires_in passes.
func (c *Client) device(call, keep context.Context) (*http.Client, error) {
	t := c.t
	conf := &oauth2.Config{ClientID: t.ClientID, ClientSecret: t.ClientSecret, Scopes: t.Scopes,
		Endpoint: oauth2.Endpoint{TokenURL: t.TokenURL, DeviceAuthURL: t.DeviceAuthorizationURL}}
	var opts []oauth2.AuthCodeOption
	if t.ClientSecret != "" {
		// golang/oauth2#685: DeviceAuth authenticates no client.
		opts = append(opts, oauth2.SetAuthURLParam("client_secret", t.ClientSecret))
	}
	da, err := conf.DeviceAuth(call, opts...)
	if err != nil {
		return nil, err
	}
	tok, err := conf.DeviceAccessToken(call, da)
	if err != nil {
		return nil, err
	}
	return conf.Client(keep, tok), nil
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

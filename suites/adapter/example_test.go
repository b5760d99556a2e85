package adapter_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

// sdkClient adapts an SDK (here golang.org/x/oauth2's client-credentials
// client, standing in for yours) to the suites.
type sdkClient struct {
	base string
	http *http.Client
}

func sdkFactory(ctx context.Context, t adapter.Target) (adapter.Client, error) {
	if t.Auth != adapter.AuthOAuth2ClientCredentials {
		return nil, fmt.Errorf("this SDK does client credentials only: %w", adapter.ErrUnsupported)
	}
	cfg := clientcredentials.Config{ClientID: t.ClientID, ClientSecret: t.ClientSecret, TokenURL: t.TokenURL, Scopes: t.Scopes}
	return &sdkClient{base: t.BaseURL, http: cfg.Client(context.Background())}, nil
}

func (c *sdkClient) Do(ctx context.Context, call adapter.Call) adapter.Result {
	var body io.Reader
	if call.Body != nil {
		body = strings.NewReader(*call.Body)
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, c.base+call.Path, body)
	if err != nil {
		return adapter.Result{Error: err.Error()}
	}
	resp, err := c.http.Do(req)
	var refused *oauth2.RetrieveError
	switch {
	case errors.As(err, &refused): // the token endpoint's refusal ended the call
		return adapter.Result{Status: refused.Response.StatusCode, Error: err.Error()}
	case err != nil: // no HTTP answer at all
		return adapter.Result{Error: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	res := adapter.Result{Status: resp.StatusCode, Body: string(b)}
	if resp.StatusCode >= 400 { // what the SDK hands its caller: an error naming the cause
		res.Error = fmt.Sprintf("HTTP %d %s: %.200s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), b)
	}
	return res
}

func (c *sdkClient) Close() error { c.http.CloseIdleConnections(); return nil }

// A complete adapter for a Go SDK, run through two scenarios: one its
// auth kind allows, and one it reports unsupported (a SKIP, not a FAIL).
func Example() {
	rep, err := suites.Run(context.Background(), suites.Options{Client: "my-sdk", Factory: sdkFactory,
		Scenarios: []string{"firewall-block", "expired-session"}})
	if err != nil {
		panic(err)
	}
	for _, r := range rep.Results {
		fmt.Println(r.Scenario, r.Verdict)
	}
	// Output:
	// firewall-block pass
	// expired-session skip
}

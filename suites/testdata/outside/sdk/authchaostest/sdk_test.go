// Package authchaostest is the nested test module of an SDK that stays on
// go 1.22: it alone depends on authchaos (and its Go release), so the
// SDK's own go.mod is never rewritten.
package authchaostest

import (
	"context"
	"fmt"
	"io"
	"testing"

	"example.com/sdk"

	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

type client struct{ c *sdk.Client }

func factory(_ context.Context, t adapter.Target) (adapter.Client, error) {
	if t.Auth != adapter.AuthOAuth2ClientCredentials {
		return nil, fmt.Errorf("client credentials only: %w", adapter.ErrUnsupported)
	}
	return client{&sdk.Client{Base: t.BaseURL, TokenURL: t.TokenURL, ID: t.ClientID, Secret: t.ClientSecret}}, nil
}

func (c client) Do(ctx context.Context, call adapter.Call) adapter.Result {
	resp, err := c.c.Get(ctx, call.Path)
	if err != nil {
		return adapter.Result{Error: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := adapter.Result{Status: resp.StatusCode, Body: string(b)}
	if resp.StatusCode >= 400 {
		r.Error = fmt.Sprintf("GET %s: HTTP %d %s: %.200s", call.Path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), b)
	}
	return r
}

func (client) Close() error { return nil }

func TestAuthchaos(t *testing.T) {
	suites.Test(t, "sdk", factory, suites.WithScenarios("wrong-url", "firewall-block", "expired-session"))
}

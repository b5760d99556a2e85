package resilient

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/authchaos/authchaos/suites/adapter"
)

// stepUpLayer answers the API asking for more than the token carries, with
// a new grant and one retry:
//   - RFC 6750 insufficient_scope (403 with scope="..."): a token that also
//     has the named scopes. Any other 403 passes through: no new token helps.
//   - RFC 9470 insufficient_user_authentication (401 with acr_values or
//     max_age): the user authenticates again, with the second factor when
//     acr_values names mfa. A refresh would not do: a refreshed token
//     keeps the old authentication's acr and auth_time.
type stepUpLayer struct {
	next  http.RoundTripper
	api   *api
	creds *credentials
}

func (l *stepUpLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusUnauthorized) {
		return resp, err
	}
	ans := l.api.inspect(resp)
	ch, _ := ans.challengeFor(l.creds.primary())
	if !ans.fromAPI() || ans.sent != l.creds.primary() || !l.creds.canGrant() {
		return resp, nil
	}
	var step func(context.Context) error
	var did string
	switch need := strings.Fields(ch.Params["scope"]); {
	case resp.StatusCode == http.StatusForbidden && ch.Params["error"] == "insufficient_scope" && len(need) > 0:
		step = func(ctx context.Context) error { return l.creds.stepUp(ctx, ans.sentValue, need) }
		did = "asked for scope " + strings.Join(need, " ")
	case resp.StatusCode == http.StatusUnauthorized && ch.Params["error"] == "insufficient_user_authentication":
		acr, maxAge := ch.Params["acr_values"], ch.Params["max_age"]
		step = func(ctx context.Context) error { return l.creds.authenticateUser(ctx, ans.sentValue, acr, maxAge) }
		did = "authenticated the user again" + map[bool]string{true: " with acr " + acr, false: ""}[acr != ""] +
			map[bool]string{true: " (max_age " + maxAge + ")", false: ""}[maxAge != ""]
	default:
		return resp, nil
	}
	if !recordOf(req.Context()).spend("retry", 1) {
		return resp, nil
	}
	if err := step(req.Context()); err != nil {
		return nil, giveUp(ans, err)
	}
	recordOf(req.Context()).did(did)
	retry, ok := again(req.Context(), req)
	if !ok {
		return resp, nil
	}
	resp.Body.Close()
	return l.next.RoundTrip(retry)
}

// authenticateUser is RFC 9470's answer: a new password grant (a fresh
// auth_time), with the one-time code when acr_values names mfa, once for
// every call that failed with used.
func (c *credentials) authenticateUser(ctx context.Context, used, acrValues, maxAge string) error {
	if c.t.Auth != adapter.AuthOAuth2Password {
		return fmt.Errorf("the API asks the user to authenticate again (acr_values %q, max_age %q), and this client authenticates no user", acrValues, maxAge)
	}
	_, err, _ := c.flight.Do("step-up-user", func() (any, error) {
		if c.current(c.primary()) != used {
			return nil, nil
		}
		c.mu.Lock()
		for _, v := range strings.Fields(acrValues) {
			if v == "mfa" {
				c.mfa = true // from now on every grant carries the second factor
			}
		}
		c.mu.Unlock()
		if err := c.grant(ctx); err != nil {
			return nil, fmt.Errorf("step-up authentication (acr_values %q, max_age %q) failed: %w", acrValues, maxAge, err)
		}
		return nil, nil
	})
	return err
}

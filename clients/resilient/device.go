// The device authorization grant (RFC 8628): the client asks for a code,
// the user approves it on another device, and the client polls the token
// endpoint meanwhile, at the interval the server asks for.

package resilient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// deviceGrant runs one device authorization to its end: a token, or an
// error naming why not (access_denied, expired_token). It never starts
// over by itself: a new code needs the user again.
func (c *credentials) deviceGrant(ctx context.Context) error {
	form := url.Values{}
	c.mu.Lock()
	if len(c.scopes) > 0 {
		form.Set("scope", strings.Join(c.scopes, " "))
	}
	c.mu.Unlock()
	body, err := c.post(ctx, c.t.DeviceAuthorizationURL, form)
	if err != nil {
		return fmt.Errorf("device authorization failed: %w", err)
	}
	var da struct {
		DeviceCode string `json:"device_code"`
		UserCode   string `json:"user_code"`
		ExpiresIn  int    `json:"expires_in"`
		Interval   int    `json:"interval"`
	}
	if err := json.Unmarshal(body, &da); err != nil || da.DeviceCode == "" {
		return errors.New("device authorization failed: the answer has no device_code")
	}
	interval := 5 * time.Second // §3.2: the default when the server names none
	if da.Interval > 0 {
		interval = time.Duration(da.Interval) * time.Second
	}
	// The code's life bounds the polling, with one interval's grace for
	// the poll that hears expired_token.
	deadline := time.Now().Add(time.Duration(da.ExpiresIn)*time.Second + interval)
	poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {da.DeviceCode}}
	for {
		if da.ExpiresIn > 0 && time.Now().After(deadline) {
			return &Error{Cause: fmt.Sprintf("device authorization failed: expired_token: user code %s was not approved within %ds", da.UserCode, da.ExpiresIn)}
		}
		if err := c.sleep(ctx, interval); err != nil {
			return fmt.Errorf("device authorization: waiting for the user to approve code %s: %w", da.UserCode, err)
		}
		tok, err := c.token(ctx, poll)
		if err == nil {
			c.store(tok)
			return nil
		}
		var te *TokenError
		if !errors.As(err, &te) {
			return fmt.Errorf("device authorization: polling: %w", err)
		}
		switch te.Code {
		case "authorization_pending":
		case "slow_down":
			if !c.bugs.IgnoreSlowDown { // bug: keep the old interval
				interval += 5 * time.Second // §3.5
			}
		default: // access_denied, expired_token, or anything else: stop
			return &Error{Status: te.Status, Cause: "device authorization failed: " + te.Error(), Err: te}
		}
	}
}

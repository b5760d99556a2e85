// Sessions: logging in with a username and password at the login URL, and
// keeping the session cookie a correct cookie jar would keep.

package resilient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

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

// keepCookies stores cookies the API sets on its answers (a rotated session).
func (c *credentials) keepCookies(resp *http.Response) {
	if cks := resp.Cookies(); len(cks) > 0 && resp.Request != nil {
		c.jar.SetCookies(resp.Request.URL, cks)
	}
}

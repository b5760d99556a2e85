// One-time codes: when a login or a grant asks for one, the client reads
// the current code from otp_url, as a user reads it from their phone.

package resilient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

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

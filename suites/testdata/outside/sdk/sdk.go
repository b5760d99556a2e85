// Package sdk is an SDK that must stay on an old Go release: its go.mod
// says go 1.22. It authenticates with OAuth client credentials.
package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Client calls an API with a bearer token from a client-credentials grant.
type Client struct {
	Base, TokenURL, ID, Secret string
	token                      string
}

// Get calls path and returns the answer; it fetches a token first.
func (c *Client) Get(ctx context.Context, path string) (*http.Response, error) {
	if c.token == "" {
		form := url.Values{"grant_type": {"client_credentials"}}
		req, _ := http.NewRequestWithContext(ctx, "POST", c.TokenURL, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ID, c.Secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
			Error       string `json:"error"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
			return nil, fmt.Errorf("token request: %d %s", resp.StatusCode, tok.Error)
		}
		c.token = tok.AccessToken
	}
	req, err := http.NewRequestWithContext(ctx, "GET", c.Base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	return http.DefaultClient.Do(req)
}

// Package adapter is the seam between the recovery suites and a client SDK.
//
// The suites never know how a client authenticates: they describe the target
// (where the server is, which credentials the client holds) and ask for calls.
// A Go SDK implements Client directly; an SDK in any other language speaks the
// same three operations over the driver protocol (see package driver).
package adapter

import (
	"context"
	"errors"
)

// AuthKind is how a Target asks the client to authenticate: the values of
// the driver protocol's "auth" field.
type AuthKind string

// Auth kinds a Target can ask the client to use.
const (
	AuthOAuth2Password          AuthKind = "oauth2-password"
	AuthOAuth2ClientCredentials AuthKind = "oauth2-client-credentials"
	AuthSession                 AuthKind = "session"
	AuthBasic                   AuthKind = "basic"
	AuthAPIKey                  AuthKind = "api-key"
)

// AuthKinds lists every auth kind, for messages and for clients that speak
// them all.
var AuthKinds = []AuthKind{AuthOAuth2Password, AuthOAuth2ClientCredentials, AuthSession, AuthBasic, AuthAPIKey}

// Target is everything a client needs to talk to the fake server in one
// scenario. The JSON names are the driver protocol's.
type Target struct {
	BaseURL      string   `json:"base_url"`
	TokenURL     string   `json:"token_url"`
	LoginURL     string   `json:"login_url"`
	AuthorizeURL string   `json:"authorize_url,omitempty"`
	RevokeURL    string   `json:"revoke_url,omitempty"`
	Auth         AuthKind `json:"auth"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Username     string   `json:"username"`
	Password     string   `json:"password"`
	APIKey       string   `json:"api_key"`
	Scopes       []string `json:"scopes"`
	// AccessToken and RefreshToken, when set, are a stored token the client
	// must start from instead of authenticating first.
	AccessToken  string `json:"access_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	// OTPURL, when set, answers GET with the current one-time code as
	// {"otp": "123456"}, as a user reads it off a phone.
	OTPURL string `json:"otp_url,omitempty"`
}

// Call is one API request the suites ask the client to make. Path is
// relative to Target.BaseURL.
type Call struct {
	Method string  `json:"method"`
	Path   string  `json:"path"`
	Body   *string `json:"body"`
}

// Result is what the client reports back. Status is 0 when no HTTP answer
// came; Error is non-empty when the client gave up, and should name the cause
// ("token refresh failed: invalid_grant"), since the suites judge it.
type Result struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	Error  string `json:"error"`
}

// Client is a client SDK under test, configured for one scenario. Do may be
// called concurrently. Close releases whatever the client holds.
type Client interface {
	Do(ctx context.Context, call Call) Result
	Close() error
}

// Factory builds a client for one scenario's target. It is called once per
// scenario, so state never leaks between scenarios.
type Factory func(ctx context.Context, t Target) (Client, error)

// ErrUnsupported is what a Factory returns (wrapped) when the client
// cannot authenticate the way a scenario asks (an OAuth-only SDK asked for
// a session). The suites report the scenario as skipped, not failed.
var ErrUnsupported = errors.New("auth kind not supported by this client")

// Package adapter is the seam between the recovery suites and a client SDK.
//
// The suites never know how a client authenticates: they describe the target
// (where the server is, which credentials the client holds) and ask for calls.
// A Go SDK implements Client directly; an SDK in any other language speaks the
// same three operations over the driver protocol (see package driver). The
// package example is a complete adapter for a Go SDK.
//
// # The contract an adapter keeps
//
// Factory is called once per scenario with that scenario's Target, and
// configures a fresh client the way the SDK's users would: from
// Target.Auth, the credentials, and (when set) the stored tokens it must
// start from. It authenticates lazily or at once, as the SDK does. When the
// SDK cannot authenticate the way Target.Auth asks, it returns an error
// wrapping ErrUnsupported and the scenario is a SKIP; any other error fails
// the scenario as "could not be configured".
//
// Do makes one call as the SDK's caller would (Method and Path relative to
// Target.BaseURL, Body when not nil) and returns what the SDK handed back,
// through all its own recovery: refreshing, logging in again, backing off,
// retrying. The suites judge both Result and the requests the server saw.
//
//   - Status is the status of the last HTTP answer the client saw for the
//     call, from any server it talked to: the API's (after whatever retries
//     the SDK made), or the token or login endpoint's when its refusal ended
//     the call. It is 0 when no HTTP answer came at all (a network error, a
//     cancelled context). The judge never pins the status of a call that
//     fails: behaviour (attempts, loops, lock-outs) decides.
//   - Error is empty when the SDK reported success, and otherwise the error
//     the SDK gave its caller, in its own words. A call with a 2xx Status and
//     a non-empty Error counts as failed. Fail-fast scenarios check that the
//     error names the cause ("invalid_client", "account locked", the
//     challenge's scheme) as an advisory (a failure under --strict), so
//     pass the SDK's message on whole, with the status, reason and
//     WWW-Authenticate challenge it carries.
//   - Body is what the SDK returned to its caller (the suites check, say,
//     that an HTML login page was not handed over as API data).
//
// Do may be called concurrently (concurrent-expiry calls it from several
// goroutines at once), must honour ctx, which carries the harness's
// per-call timeout and an interrupt, and never panics on a failure: it
// reports it. Close releases what the client holds (connections, a
// subprocess); an error from it is a finding.
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
	// AuthOAuth2DeviceCode is the device authorization grant (RFC 8628):
	// the client asks DeviceAuthorizationURL for a code, shows the user
	// code, and polls TokenURL until the user approves (or it expires).
	AuthOAuth2DeviceCode AuthKind = "oauth2-device-code"
	// AuthDigest is HTTP Digest (RFC 7616, SHA-256) with Username and
	// Password, answering the API's challenge.
	AuthDigest AuthKind = "digest"
)

// AuthKinds lists every auth kind, for messages and for clients that speak
// them all.
var AuthKinds = []AuthKind{AuthOAuth2Password, AuthOAuth2ClientCredentials, AuthSession, AuthBasic, AuthAPIKey, AuthOAuth2DeviceCode, AuthDigest}

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

	// The fields below came with the OAuth 2.1 scenarios. Each is an
	// addition: a client that ignores them keeps working, and the
	// scenarios that need them are SKIPs for it (the suites see it never
	// spoke the mechanism, or its Factory returns ErrUnsupported).

	// DPoP, when true, asks the client to bind its tokens to a key pair
	// of its own: a DPoP proof (RFC 9449) on every token request and API
	// call, the token sent with the DPoP scheme, and one retry with the
	// server's nonce when it answers use_dpop_nonce.
	DPoP bool `json:"dpop,omitempty"`
	// DeviceAuthorizationURL is the RFC 8628 device authorization
	// endpoint, for Auth oauth2-device-code.
	DeviceAuthorizationURL string `json:"device_authorization_url,omitempty"`
	// ResourceURL, when set, is the protected resource (the API) and
	// TokenURL, LoginURL and AuthorizeURL are empty: the client holds
	// only the API and its client credentials, and finds the
	// authorization server from the resource_metadata of the API's 401
	// (RFC 9728, then RFC 8414), asking for a token for ResourceURL's
	// resource (RFC 8707 resource=).
	ResourceURL string `json:"resource_url,omitempty"`
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

// Package fault is the narrow seam through which a scenario changes the
// fake server.
//
// A scenario never reaches into handler internals. It gets an Env while it
// is installed and may only: read the virtual clock, turn Knobs (lifetimes,
// lock-out thresholds, cookie attributes...), put Edge layers in front of the
// server (a WAF, a firewall, a captive portal, a stray .htaccess), schedule
// an Action after some successful calls (revoke the key mid-run), and
// publish Fixtures the suites hand to the client (a stale stored token).
// Everything an edge writes goes through Reject or Respond, so the journal
// always learns the reason.
package fault

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

// Knobs are the fake server's tunable behaviours. Zero values mean "as
// configured"; a scenario sets only what it is about.
type Knobs struct {
	AccessTTL  time.Duration // lifetime of access tokens
	RefreshTTL time.Duration // lifetime of refresh tokens
	SessionTTL time.Duration // lifetime of session cookies
	OTPTTL     time.Duration // lifetime of a one-time code

	// Skew is added to the virtual clock when the API judges a token's
	// nbf and exp, as if the API ran on a host whose clock is off.
	Skew time.Duration

	// RotateRefresh issues a new refresh token on every refresh and treats
	// reuse of an old one as theft: the whole family is revoked.
	RotateRefresh bool

	// DPoPNonce makes the token endpoint and the API demand a server
	// nonce in DPoP proofs (RFC 9449 §8, §9); the nonce changes every
	// DPoPNonce on the virtual clock. Zero: no nonce is asked for.
	DPoPNonce time.Duration

	// StepUp makes a route demand a stronger or fresher authentication
	// than a token carries (RFC 9470): its acr must be ACR, or its
	// auth_time at most MaxAge ago. nil: no route asks.
	StepUp *StepUp

	// DigestNonceTTL is how long a Digest nonce stays fresh; zero means
	// 5 minutes. Routes take Digest through RouteSchemes.
	DigestNonceTTL time.Duration

	// DeviceCodeTTL is how long a device code lives (RFC 8628); zero
	// means 10 minutes. DeviceInterval is the polling interval the
	// server asks for; zero means 5 seconds.
	DeviceCodeTTL, DeviceInterval time.Duration
	// DeviceSlowDownAt answers slow_down to the nth poll of a device code
	// however late it comes, as a busy server does; DeviceApproveAt has
	// the user approve just before the nth poll, DeviceDenyAt deny. Zero:
	// never (approval then comes only through the approve-device action).
	DeviceSlowDownAt, DeviceApproveAt, DeviceDenyAt int

	// RequireResource makes the API accept only tokens issued for it
	// (RFC 8707: its URL in aud); without it a token that names no
	// resource passes, as most APIs let it.
	RequireResource bool

	LockoutAfter int  // wrong passwords before the account locks; 0 never
	RequireMFA   bool // logins and password grants need a one-time code
	SessionLimit int  // live sessions per user; 0 unlimited

	CookieDomain   string        // Domain attribute of the session cookie
	CookieSecure   bool          // Secure attribute
	CookieSameSite http.SameSite // SameSite attribute; 0 means Lax

	// RouteSchemes overrides which schemes a route accepts, by path.
	RouteSchemes map[string][]string
	// RouteScopes adds scopes a route requires, by path.
	RouteScopes map[string][]string
	// RouteRoles adds roles a route requires, by path. A caller without
	// them is authenticated but not permitted: 403 insufficient_role.
	RouteRoles map[string][]string
}

// OnlySchemes makes the route at path accept exactly schemes.
func (k *Knobs) OnlySchemes(path string, schemes ...string) {
	if k.RouteSchemes == nil {
		k.RouteSchemes = map[string][]string{}
	}
	k.RouteSchemes[path] = schemes
}

// StepUp is a route's RFC 9470 requirement.
type StepUp struct {
	Path   string
	ACR    string        // e.g. "mfa"; "" for any
	MaxAge time.Duration // 0 for any age
}

// Edge is a layer in front of the server: it sees every request before
// routing and authentication, and either answers it or passes it on.
type Edge func(next http.Handler) http.Handler

// Origins are the other origins a scenario may redirect to. Both record
// into the same journal as the server.
type Origins struct {
	Self      string // the server's own base URL
	CrossHost string // same listener address under another host name
	OtherPort string // same host, another port
}

// Env is what a scenario may touch while it is installed.
type Env interface {
	Now() time.Time
	Knobs() *Knobs
	Use(e Edge)
	Origins() Origins
	// After runs a once, after n more successful protected API calls.
	After(n int, a Action)
	// Fixture publishes a value the suites pass to the client (for
	// example "access_token" for a stale stored token).
	Fixture(name, value string)
	// Mint issues tokens for a user as the token endpoint would.
	Mint(user string, scopes []string) (access, refresh string, err error)
	// MintFor issues tokens as the token endpoint would for a request
	// m describes (a token for another resource, say).
	MintFor(m Mint) (access, refresh string, err error)
	// Do performs an action now.
	Do(a Action, arg string) error
	// OpenSession opens a live session for user as a login from another
	// device would (device-limit fills the user's session slots with it).
	OpenSession(user string) error
	// Client describes the OAuth client the suites configure clients
	// with (the first configured one), for scenarios that build requests
	// as it would. It never carries the secret.
	Client() Client
	// Account is who the suites configure clients as, so a scenario
	// follows the configuration instead of assuming the demo one.
	Account() Account
}

// Mint describes tokens a scenario has the server issue.
type Mint struct {
	// User is who the token is for; "" for the client itself, as a
	// client_credentials grant issues.
	User   string
	Scopes []string
	// Resources are RFC 8707 resource indicators: the token's aud.
	Resources []string
}

// Client is a registered OAuth client, as a scenario may see it.
type Client struct {
	ID           string
	RedirectURIs []string
}

// Account is the configured realm and the first user and API key, which
// the suites hand to clients. It never carries a password.
type Account struct {
	Realm  string
	User   string // "" when no user is configured
	APIKey string // "" when no key is configured
}

// Action is a change an operator makes to the server mid-run.
type Action string

// Actions a scenario or the admin API can perform.
const (
	RevokeAccessTokens Action = "revoke-access-tokens" // every live access token
	RevokeAPIKey       Action = "revoke-api-key"       // the key named by arg, or all
	RotateSigningKey   Action = "rotate-signing-key"   // old kid leaves JWKS
	ChangePassword     Action = "change-password"      // arg: user; kills sessions, refresh tokens
	ExpireRefreshToken Action = "expire-refresh-tokens"
	ApproveDevice      Action = "approve-device" // arg: user code, or "" for every pending one; the user on the phone says yes
	DenyDevice         Action = "deny-device"    // arg: user code, or ""; the user says no
)

// Actions lists every Action, for error messages and the admin API.
var Actions = []Action{RevokeAccessTokens, RevokeAPIKey, RotateSigningKey, ChangePassword, ExpireRefreshToken, ApproveDevice, DenyDevice}

// Note is what the journal records about a request beyond its status. The
// server attaches one to every request's context; whoever decides the
// answer fills it in.
type Note struct {
	Reason     journal.Reason
	Scheme     string
	Credential string         // fingerprint
	Subject    string         // user or client id, never a secret
	Grant      string         // token endpoint grant type
	Scope      string         // scope granted by the token endpoint
	Resource   string         // RFC 8707 resource indicators of a token request
	Origin     journal.Origin // which backend or layer answered: app, waf, portal...
}

type noteKey struct{}

// WithNote returns a context carrying a fresh Note.
func WithNote(ctx context.Context) (context.Context, *Note) {
	n := &Note{}
	return context.WithValue(ctx, noteKey{}, n), n
}

// NoteOf returns the request's Note, or a throwaway one.
func NoteOf(r *http.Request) *Note {
	if n, ok := r.Context().Value(noteKey{}).(*Note); ok {
		return n
	}
	return &Note{}
}

// Challenge is a 401 or 403 answer: the RFC 7235 challenge and the JSON
// body with a machine reason and a human hint.
type Challenge struct {
	Status      int    // 401 unless set
	Scheme      string // Bearer, Basic, ApiKey...; empty for no header
	Realm       string
	Error       string // RFC 6750 error code for Bearer
	Description string
	Scope       string // RFC 6750 scope for insufficient_scope
	// ResourceMetadata is the RFC 9728 protected resource metadata URL.
	ResourceMetadata string
	// Algs are the signature algorithms a DPoP proof may use (RFC 9449 §7.1).
	Algs string
	// ACRValues and MaxAge say what authentication a step-up needs
	// (RFC 9470 §3).
	ACRValues, MaxAge string
	// Params are more auth-params, in order (a Digest nonce, say).
	Params  []AuthParam
	Reason  journal.Reason // machine-readable, in the body and the journal
	Hint    string         // what to do about it, for a human
	Headers http.Header
	Extra   map[string]any // more body fields
}

// Header renders the WWW-Authenticate value.
func (c Challenge) Header() string {
	if c.Scheme == "" {
		return ""
	}
	var params []string
	add := func(k, v string) {
		if v != "" {
			params = append(params, fmt.Sprintf(`%s="%s"`, k, v))
		}
	}
	add("realm", quote(c.Realm))
	add("error", attrValue(c.Error))
	add("error_description", attrValue(c.Description))
	add("scope", attrValue(c.Scope))
	add("algs", attrValue(c.Algs))
	add("acr_values", attrValue(c.ACRValues))
	add("max_age", attrValue(c.MaxAge))
	for _, p := range c.Params {
		if p.Token {
			params = append(params, p.Name+"="+p.Value)
		} else {
			add(p.Name, attrValue(p.Value))
		}
	}
	add("resource_metadata", attrValue(c.ResourceMetadata))
	if len(params) == 0 {
		return c.Scheme
	}
	return c.Scheme + " " + strings.Join(params, ", ")
}

// AuthParam is one auth-param of a challenge; a Token one is sent
// unquoted (algorithm=SHA-256, stale=true), as RFC 7616 writes them.
type AuthParam struct {
	Name, Value string
	Token       bool
}

// Answer renders the challenge: the RFC 7235 header first (clients that
// read one header read it), then any more, and a Refusal body.
func (c Challenge) Answer() Answer {
	status := c.Status
	if status == 0 {
		status = http.StatusUnauthorized
	}
	h := http.Header{}
	if v := c.Header(); v != "" {
		h.Set("WWW-Authenticate", v)
	}
	for k, vs := range c.Headers {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	return Answer{Status: status, Reason: c.Reason, Header: h, JSON: Refusal{
		Status: status, Reason: c.Reason, Hint: c.Hint, Error: c.Error, Description: c.Description, Scope: c.Scope, Extra: c.Extra}}
}

// Write sends the challenge and records its reason.
func (c Challenge) Write(w http.ResponseWriter, r *http.Request) { c.Answer().Write(w, r) }

// Refusal is the JSON body of every answer that says no: the machine
// reason the journal records too, a hint for a human, and the RFC 6749 /
// 6750 error fields where they apply.
type Refusal struct {
	Status      int
	Reason      journal.Reason
	Hint        string
	Error       string         // RFC 6749 §5.2 / RFC 6750 §3.1 error code
	Description string         // error_description
	Scope       string         // RFC 6750 scope, for insufficient_scope
	Extra       map[string]any // more fields
}

// MarshalJSON writes the fields in name order, as every answer's body is,
// leaving out empty RFC fields.
func (f Refusal) MarshalJSON() ([]byte, error) {
	m := map[string]any{"status": f.Status, "reason": f.Reason, "hint": f.Hint}
	for k, v := range map[string]string{"error": f.Error, "error_description": f.Description, "scope": f.Scope} {
		if v != "" {
			m[k] = v
		}
	}
	for k, v := range f.Extra {
		m[k] = v
	}
	return json.Marshal(m)
}

// Answer is what a handler or an edge decided to send. Write is the one
// place answers are written, and it always tells the journal the reason,
// so no refusal can reach a client without its evidence.
type Answer struct {
	Status int
	Reason journal.Reason // "" for a success
	Header http.Header    // added to the response's
	// Exactly one body: JSON is encoded as JSON; otherwise Raw is sent
	// as ContentType (an HTML block page, a plain-text message).
	JSON        any
	Raw         string
	ContentType string
}

// Write sends the answer and records its reason.
func (a Answer) Write(w http.ResponseWriter, r *http.Request) {
	NoteOf(r).Reason = a.Reason
	for k, vs := range a.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if a.JSON != nil {
		WriteJSON(w, a.Status, a.JSON)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.WriteHeader(a.Status)
	_, _ = w.Write([]byte(a.Raw))
}

// Refuse is the plain refusal: a status, a reason and a hint.
func Refuse(status int, reason journal.Reason, hint string) Answer {
	return Answer{Status: status, Reason: reason, JSON: Refusal{Status: status, Reason: reason, Hint: hint}}
}

// Redirect sends a redirect to url and records its reason.
func Redirect(w http.ResponseWriter, r *http.Request, url string, status int, reason journal.Reason) {
	NoteOf(r).Reason = reason
	http.Redirect(w, r, url, status)
}

// Respond writes a raw answer (an HTML page, say) and records its reason.
func Respond(w http.ResponseWriter, r *http.Request, status int, reason journal.Reason, contentType, body string) {
	Answer{Status: status, Reason: reason, Raw: body, ContentType: contentType}.Write(w, r)
}

// WriteJSON writes v as a JSON answer.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // messages say ">= 0", not "\u003e= 0"; answers are JSON, never HTML
	_ = enc.Encode(v)
}

// quote escapes a realm for a quoted-string (RFC 7235 §2.1).
func quote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// attrValue fits v to RFC 6750 §3, which allows error, error_description
// and scope only printable ASCII without '"' and '\': a quoted-pair is
// not allowed there, and parsers that stop at the first '"' are common.
// Quotes become apostrophes, anything else outside the set '?'; the JSON
// body keeps the exact text.
func attrValue(v string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r == '\\':
			return '/'
		case r < 0x20 || r > 0x7e:
			return '?'
		}
		return r
	}, v)
}

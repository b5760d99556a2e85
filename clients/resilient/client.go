// Package resilient is the reference client: what a client that survives
// every 401 in the catalog looks like, short enough to show in a workshop.
//
// The one idea to hold: each recovery is one http.RoundTripper wrapping the
// next, so each can be read, shown and broken on its own. From the outside
// in, as New stacks them:
//
//	backoff  an edge (WAF, firewall, portal, rate limiter, stale backend)
//	         answered: keep the credential, wait as Retry-After says, retry
//	  (an http.Client follows redirects here; the layers below see each hop)
//	scheme   the API asks for another scheme: resend once with it, or
//	         fail naming it
//	step-up  403 insufficient_scope: get a token with the named scope;
//	         401 insufficient_user_authentication (RFC 9470): the user
//	         authenticates again (acr_values, max_age); retry once
//	refresh  401 for a dead token or session: renew it once (one renewal
//	         for all calls that failed with it), retry once
//	discover 401 naming resource_metadata while the client knows no token
//	         endpoint: RFC 9728, then RFC 8414, a token for the resource
//	         (RFC 8707), retry once
//	nonce    the server wants its nonce (DPoP use_dpop_nonce, a Digest
//	         challenge or stale=true): retry once with it
//	auth     attach the credential, only to the API's own origin
//	dpop     sign a fresh DPoP proof (RFC 9449) for each request that
//	         carries a DPoP token; token requests get one too
//
// The device flow (RFC 8628) is the primary grant of its auth kind
// (device.go), not a layer: it polls until the user decides.
// Back-off sits above the redirects because it judges where a call ended:
// a captive portal may redirect to its own host and answer a page there.
// A call makes at most one recovery retry (a renewal, a step-up or a
// scheme switch) however the layers combine, plus back-off's bounded
// waits, and every error it returns names the cause: a reason, an error
// code, a scheme and realm, a cookie attribute, or what answered instead
// of the API. Options.Bugs switches on one known client bug at a time,
// each a one-line change in the layer it breaks, so the suites can prove
// they catch it.
package resilient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/authchaos/authchaos/clients/internal/authkind"
	"github.com/authchaos/authchaos/suites/adapter"
)

// Options configure a Client. The zero value is the reference client.
type Options struct {
	// Bugs injects known client bugs, to prove the suites catch them.
	Bugs Bugs
	// Sleep waits between back-off retries. Tests pass one that advances
	// the fake server's virtual clock instead of sleeping.
	Sleep func(ctx context.Context, d time.Duration) error
	// Transport is the base RoundTripper; default a fresh clone of
	// http.DefaultTransport per client.
	Transport http.RoundTripper
	// Realm is the realm the API's WWW-Authenticate challenges name.
	// Empty means learn it from the API's first JSON challenge that
	// carries an error code.
	Realm string
}

// Option sets one of the Options.
type Option func(*Options)

// WithBugs injects client bugs (see Bugs).
func WithBugs(b Bugs) Option { return func(o *Options) { o.Bugs = b } }

// WithSleep replaces how back-off waits.
func WithSleep(fn func(ctx context.Context, d time.Duration) error) Option {
	return func(o *Options) { o.Sleep = fn }
}

// WithTransport sets the base RoundTripper under the layers.
func WithTransport(rt http.RoundTripper) Option { return func(o *Options) { o.Transport = rt } }

// WithRealm tells the client the API's realm instead of learning it.
func WithRealm(realm string) Option { return func(o *Options) { o.Realm = realm } }

// Client is the reference client for one Target. Do may be called
// concurrently.
type Client struct {
	base  string
	api   *api
	call  http.RoundTripper // the layers, outermost first
	close func()
}

var _ adapter.Client = (*Client)(nil)

// New builds the layered client for t. Nothing is sent until the first Do:
// the first call authenticates.
func New(t adapter.Target, opts ...Option) (*Client, error) {
	if err := authkind.Check(t.Auth, authkind.All...); err != nil {
		return nil, err
	}
	base, err := url.Parse(t.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("base URL %q: want an absolute http:// or https:// URL", t.BaseURL)
	}
	o := Options{Sleep: sleep}
	for _, opt := range opts {
		opt(&o)
	}
	tr := o.Transport
	if tr == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	a := &api{origin: originOf(base), realm: o.Realm}
	creds, err := newCredentials(t, base, tr, o)
	if err != nil {
		return nil, err
	}

	hop := tr
	if creds.dpop != nil {
		hop = &dpopLayer{next: hop, key: creds.dpop}
	}
	hop = &authLayer{next: hop, api: a, creds: creds, bugs: o.Bugs}
	hop = &nonceLayer{next: hop, creds: creds, bugs: o.Bugs}
	hop = &discoverLayer{next: hop, api: a, creds: creds, bugs: o.Bugs}
	hop = &refreshLayer{next: hop, api: a, creds: creds, bugs: o.Bugs}
	hop = &stepUpLayer{next: hop, api: a, creds: creds}
	hop = &schemeLayer{next: hop, api: a, creds: creds}
	redirects := &http.Client{Transport: hop, CheckRedirect: redirectPolicy(a.origin)}

	c := &Client{
		base:  strings.TrimRight(t.BaseURL, "/"),
		api:   a,
		call:  &backoffLayer{next: following{redirects}, api: a, sleep: o.Sleep, bugs: o.Bugs},
		close: func() {},
	}
	if ci, ok := tr.(interface{ CloseIdleConnections() }); ok {
		c.close = ci.CloseIdleConnections
	}
	return c, nil
}

// Factory builds a reference client per scenario, with opts applied.
func Factory(opts ...Option) adapter.Factory {
	return func(_ context.Context, t adapter.Target) (adapter.Client, error) {
		return New(t, opts...)
	}
}

// maxBody bounds what a call reads of an answer.
const maxBody = 4 << 20

// Do makes one API call through the layers. A Result with an Error names
// why the client gave up: the reason or error code the server gave, the
// edge that answered, or the recovery that failed.
func (c *Client) Do(ctx context.Context, call adapter.Call) adapter.Result {
	ctx, rec := withRecord(ctx)
	method := call.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if call.Body != nil {
		body = strings.NewReader(*call.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/"+strings.TrimLeft(call.Path, "/"), body)
	if err != nil {
		return adapter.Result{Error: "bad call: " + err.Error()}
	}
	req.Header.Set("Accept", "application/json")
	if call.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.call.RoundTrip(req)
	if err != nil {
		var gave *Error
		if errors.As(err, &gave) {
			return adapter.Result{Status: gave.Status, Body: gave.Body, Error: rec.explain(gave.Error())}
		}
		return adapter.Result{Error: rec.explain("request failed: " + err.Error())}
	}
	defer resp.Body.Close()
	var res adapter.Result
	if ans := c.api.inspect(resp); resp.StatusCode >= 400 || ans.fromEdge() {
		res.Error = rec.explain(ans.describe())
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	res.Status, res.Body = resp.StatusCode, string(b)
	if err != nil && res.Error == "" {
		res.Error = "reading the answer: " + err.Error()
	}
	return res
}

// Close releases the client's idle connections.
func (c *Client) Close() error {
	c.close()
	return nil
}

// following is an http.Client as a RoundTripper: one call, redirects
// followed, so the layer above it sees where the call ended.
type following struct{ client *http.Client }

func (f following) RoundTrip(req *http.Request) (*http.Response, error) { return f.client.Do(req) }

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

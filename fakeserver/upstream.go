package fakeserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httputil"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
	"github.com/authchaos/authchaos/scenarios"
)

// Upstream mode: the fake server as a chaos proxy in front of a real API.
//
// Everything but the application stays the server's own: the admin API,
// the journal (credentials fingerprinted), the virtual clock, the live
// view, the metrics, and the active scenarios' edges, which run on real
// traffic unchanged. Where the built-in handlers would answer, the request
// is forwarded to the upstream instead. The token faults that make sense
// on credentials the proxy did not issue (expired-token, revoked-token,
// clock-skew, scope-mismatch) are judged here from what the request
// carries, a JWT's claims read without verifying them: the proxy holds no
// key, and the upstream verifies anyway. Scenarios that need the server's
// own token endpoint, sessions or accounts are refused by name.

// upstream is the forwarding half of a Server in upstream mode.
type upstream struct {
	api        *httputil.ReverseProxy
	auth       *httputil.ReverseProxy // nil: every request goes to api
	authPrefix string
}

// UpstreamOption configures WithUpstream.
type UpstreamOption func(*upstreamConfig)

type upstreamConfig struct {
	api, auth  *url.URL
	authPrefix string
	transport  http.RoundTripper
}

// WithAuthUpstream sends requests under prefix (e.g. /oauth/) to the
// identity provider at u instead of the API, so token requests land in
// the same journal as the 401 that caused them.
func WithAuthUpstream(u *url.URL, prefix string) UpstreamOption {
	return func(c *upstreamConfig) { c.auth, c.authPrefix = u, prefix }
}

// WithUpstreamTransport sets how the proxy reaches its upstreams (a
// Transport trusting a private CA, say); default a clone of
// http.DefaultTransport that keeps more idle connections per host.
func WithUpstreamTransport(rt http.RoundTripper) UpstreamOption {
	return func(c *upstreamConfig) { c.transport = rt }
}

// WithUpstream makes the server a proxy in front of the API at u.
func WithUpstream(u *url.URL, opts ...UpstreamOption) Option {
	return func(s *Server) {
		c := upstreamConfig{api: u}
		for _, o := range opts {
			o(&c)
		}
		s.upCfg = &c
	}
}

// UpstreamTransport is the proxy's default Transport: the standard one,
// keeping enough idle connections that concurrent clients do not open a
// new upstream connection per request.
func UpstreamTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 512, 256
	return t
}

func (s *Server) newUpstream(c *upstreamConfig) (*upstream, error) {
	if err := checkUpstreamURL(c.api); err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	rt := c.transport
	if rt == nil {
		rt = UpstreamTransport()
	}
	up := &upstream{api: s.reverseProxy(c.api, rt, false)}
	if c.auth != nil {
		if err := checkUpstreamURL(c.auth); err != nil {
			return nil, fmt.Errorf("auth upstream: %w", err)
		}
		if !strings.HasPrefix(c.authPrefix, "/") {
			return nil, fmt.Errorf("auth prefix %q: want a path prefix starting with /, e.g. /oauth/", c.authPrefix)
		}
		up.auth, up.authPrefix = s.reverseProxy(c.auth, rt, true), c.authPrefix
	}
	return up, nil
}

func checkUpstreamURL(u *url.URL) error {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%v: want an absolute http:// or https:// URL", u)
	}
	return nil
}

// reverseProxy forwards to target. ReverseProxy does what RFC 9110 asks
// of a proxy (hop-by-hop and Connection-listed headers dropped, bodies
// streamed, responses of unknown length and event streams flushed as they
// come); the proxy adds X-Forwarded-* and tells the journal what the
// upstream answered.
func (s *Server) reverseProxy(target *url.URL, rt http.RoundTripper, auth bool) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		Transport: rt,
		ModifyResponse: func(resp *http.Response) error {
			note := fault.NoteOf(resp.Request)
			if note.Grant != "" && resp.StatusCode == http.StatusOK {
				noteGrantedScope(resp, note)
			}
			switch code := resp.StatusCode; {
			case code == http.StatusUnauthorized || code == http.StatusForbidden || (auth && code == http.StatusBadRequest):
				note.Reason = journal.UpstreamRefused
			case !auth && code >= 200 && code < 300 && note.Credential != "" && note.Grant == "" && resp.Request.URL.Path != "/login":
				// A protected call, as the server counts them: not the
				// token request of a client that authenticates with
				// Basic, which would fire revoked-token before the token
				// it got was ever seen.
				s.countSuccess(s.realmOf(resp.Request))
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			fault.NoteOf(r).Origin = journal.App
			fault.Refuse(http.StatusBadGateway, journal.UpstreamUnreachable,
				fmt.Sprintf("the proxy could not reach %s: %s", target.Redacted(), upstreamError(err))).Write(w, r)
		},
	}
}

// upstreamError says why the upstream failed without quoting the request.
func upstreamError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// serveUpstream is the application in upstream mode: behind the
// scenarios' edges, in front of the real API.
func (s *Server) serveUpstream(w http.ResponseWriter, r *http.Request) {
	noteGrant(r)
	if s.up.auth != nil && strings.HasPrefix(r.URL.Path, s.up.authPrefix) {
		s.up.auth.ServeHTTP(w, r)
		return
	}
	if ch := s.judgeForeignToken(r); ch != nil {
		ch.Realm = s.cfg.Realm
		ch.Write(w, r)
		return
	}
	s.up.api.ServeHTTP(w, r)
}

// maxGrantBody bounds the token request the proxy reads to learn its
// grant type; a larger body passes unread.
const maxGrantBody = 64 << 10

// noteGrant tells the journal which grant a token request asks for (a
// small form POST with grant_type, wherever it goes), as the server's own
// token endpoint does, so a refresh shows as one. The body is read and
// given back unchanged.
func noteGrant(r *http.Request) {
	if r.Method != http.MethodPost || r.ContentLength <= 0 || r.ContentLength > maxGrantBody {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, r.ContentLength))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), r.Body))
	if err != nil {
		return
	}
	if q, err := url.ParseQuery(string(b)); err == nil {
		if g := q.Get("grant_type"); len(g) <= 128 {
			fault.NoteOf(r).Grant = g
		}
	}
}

// noteGrantedScope tells the journal the scope a token response grants
// (RFC 6749 §5.1), which step-up is judged by. The body is small, read
// and given back unchanged.
func noteGrantedScope(resp *http.Response, note *fault.Note) {
	if resp.ContentLength <= 0 || resp.ContentLength > maxGrantBody {
		return
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, resp.ContentLength))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
	if err != nil {
		return
	}
	var tok struct {
		Scope string `json:"scope"`
	}
	if json.Unmarshal(b, &tok) == nil && len(tok.Scope) <= 1024 {
		note.Scope = tok.Scope
	}
}

// sightings are the bearer credentials a proxy realm has seen: when first
// (on the virtual clock), and whether a revocation has caught them. It
// holds at most maxSightings; past that the oldest is forgotten.
type sightings struct {
	mu       sync.Mutex
	seen     map[string]sighting
	order    []string
	next     uint64 // numbers sightings in order
	revokeTo uint64 // sightings numbered below are revoked
}

type sighting struct {
	first time.Time // on the virtual clock
	wall  time.Time // on the wall clock, which issuers' exp and nbf are in
	n     uint64
}

const maxSightings = 100_000

func newSightings() *sightings { return &sightings{seen: map[string]sighting{}} }

// see records fp at now, if new, and returns its sighting and whether it
// is revoked.
func (v *sightings) see(fp string, now time.Time) (sighting, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	sg, ok := v.seen[fp]
	if !ok {
		for len(v.seen) >= maxSightings && len(v.order) > 0 {
			delete(v.seen, v.order[0])
			v.order = v.order[1:]
		}
		sg = sighting{first: now, wall: time.Now(), n: v.next}
		v.next++
		v.seen[fp] = sg
		v.order = append(v.order, fp)
	}
	return sg, sg.n < v.revokeTo
}

// revokeAll revokes every credential seen so far, as the server's own
// RevokeAccessTokens revokes every token issued so far.
func (v *sightings) revokeAll() {
	v.mu.Lock()
	v.revokeTo = v.next
	v.mu.Unlock()
}

// foreignAlgs are the signature algorithms a token passing through may
// use; its claims are read, never verified.
var foreignAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.HS256, jose.HS384, jose.HS512,
}

// foreignClaims are what the proxy reads of a JWT it did not sign.
type foreignClaims struct {
	jwt.Claims
	Scope string   `json:"scope"`
	Scp   []string `json:"scp"`
}

func (c foreignClaims) scopes() []string { return append(strings.Fields(c.Scope), c.Scp...) }

// unverifiedClaims reads a JWT's claims without checking its signature;
// ok is false for anything that is not a JWS compact JWT.
func unverifiedClaims(raw string) (foreignClaims, bool) {
	var c foreignClaims
	if strings.Count(raw, ".") != 2 {
		return c, false
	}
	tok, err := jwt.ParseSigned(raw, foreignAlgs)
	if err != nil {
		return c, false
	}
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return c, false
	}
	return c, true
}

// judgeForeignToken applies the active token faults to the bearer
// credential r carries, as the server's API would to its own tokens: a
// revoked credential, a lifetime past on the virtual clock, an exp or nbf
// past on it (plus the skew), and a route's extra scopes. nil lets the
// request through.
//
// The issuer's exp and nbf are wall-clock times, and the virtual clock
// may be ahead of the wall by what the operator advanced before the token
// was issued. So a token's times are carried onto the virtual clock from
// when the proxy first saw it: a token with 5 minutes left then dies 5
// virtual minutes later, however far the clock had been moved before.
func (s *Server) judgeForeignToken(r *http.Request) *fault.Challenge {
	x := s.exchangeOf(r)
	cred, err := x.credential(r)
	if err != nil || (cred.Scheme != authn.Bearer && cred.Scheme != authn.DPoP) || cred.Secret == "" {
		return nil
	}
	st, k := x.realm, x.realm.knobs
	now := s.clock.Now()
	fp := fault.NoteOf(r).Credential // fingerprinted on arrival...
	if fp == "" || r.Header.Get("Authorization") != x.authz {
		fp = s.fp.Credential(cred) // ...unless an edge changed the header since
	}
	sg, revoked := st.seen.see(fp, now)
	refuse := func(reason journal.Reason, desc, hint string) *fault.Challenge {
		return &fault.Challenge{Scheme: cred.Scheme, Error: "invalid_token", Description: desc, Reason: reason, Hint: hint}
	}
	if revoked {
		return refuse(journal.TokenRevoked, "the access token was revoked",
			"get a new access token once (refresh, or authenticate again), retry once")
	}
	scopes := k.RouteScopes[r.URL.Path]
	clocked := k.AccessTTL > 0 || k.Skew != 0
	if !clocked && len(scopes) == 0 {
		return nil
	}
	judged := now.Add(k.Skew)
	expiredHint := "get a new access token once (refresh_token grant, or a new client_credentials grant), retry once"
	if k.AccessTTL > 0 && !judged.Before(sg.first.Add(k.AccessTTL)) {
		return refuse(journal.TokenExpired, fmt.Sprintf("token expired at %s (proxy time %s)",
			sg.first.Add(k.AccessTTL).UTC().Format(time.RFC3339), judged.UTC().Format(time.RFC3339)), expiredHint)
	}
	claims, isJWT := unverifiedClaims(cred.Secret)
	onClock := func(t time.Time) time.Time { return sg.first.Add(t.Sub(sg.wall)) }
	if clocked && isJWT {
		if claims.Expiry != nil && !judged.Before(onClock(claims.Expiry.Time())) {
			return refuse(journal.TokenExpired, fmt.Sprintf("token expired at %s (proxy time %s)",
				onClock(claims.Expiry.Time()).UTC().Format(time.RFC3339), judged.UTC().Format(time.RFC3339)), expiredHint)
		}
		// nbf only under a skew: otherwise a token a moment younger
		// than the proxy's sight of it is no fault a scenario asked for.
		if k.Skew != 0 && claims.NotBefore != nil && judged.Before(onClock(claims.NotBefore.Time())) {
			return refuse(journal.TokenNotYetValid, fmt.Sprintf("token is not valid before %s (proxy time %s): the clocks disagree",
				onClock(claims.NotBefore.Time()).UTC().Format(time.RFC3339), judged.UTC().Format(time.RFC3339)),
				"a new token will not help while the clocks disagree; sync the clocks")
		}
	}
	if len(scopes) > 0 && isJWT {
		have := claims.scopes()
		var missing []string
		for _, sc := range scopes {
			if !slices.Contains(have, sc) {
				missing = append(missing, sc)
			}
		}
		if len(missing) > 0 {
			return &fault.Challenge{Status: http.StatusForbidden, Scheme: cred.Scheme, Error: "insufficient_scope",
				Description: fmt.Sprintf("this route needs scope %s; the token has %q", strings.Join(missing, " "), strings.Join(have, " ")),
				Scope:       strings.Join(append(have, missing...), " "), Reason: journal.InsufficientScope,
				Hint: "ask for a token with the scopes in the scope parameter, then retry"}
		}
	}
	return nil
}

// proxyKnobs are the knobs a proxy realm honours; any other set by a
// scenario means the scenario needs the server's own handlers.
var proxyKnobs = map[string]bool{"AccessTTL": true, "Skew": true, "RouteScopes": true}

// serverOnlyKnobs names the knobs k sets that a proxy cannot honour.
func serverOnlyKnobs(k *fault.Knobs) []string {
	var out []string
	v := reflect.ValueOf(k).Elem()
	for i := range v.NumField() {
		if name := v.Type().Field(i).Name; !proxyKnobs[name] && !v.Field(i).IsZero() {
			out = append(out, name)
		}
	}
	return out
}

// proxyEnv is the fault.Env a scenario installs through in upstream mode:
// edges, the clock and the knobs above work; what needs the server's own
// accounts and tokens is refused, which makes the scenario refused.
type proxyEnv struct {
	*env
	refused error
}

var errServerOnly = errors.New("needs the fake server's own token endpoint, accounts or sessions, which a proxy does not have")

func (e *proxyEnv) After(n int, a fault.Action) {
	if a != fault.RevokeAccessTokens {
		e.refused = fmt.Errorf("action %s %w", a, errServerOnly)
		return
	}
	e.env.After(n, a)
}

func (e *proxyEnv) Mint(string, []string) (string, string, error) {
	e.refused = fmt.Errorf("minting tokens %w", errServerOnly)
	return "", "", e.refused
}

func (e *proxyEnv) MintFor(fault.Mint) (string, string, error) {
	e.refused = fmt.Errorf("minting tokens %w", errServerOnly)
	return "", "", e.refused
}

func (e *proxyEnv) OpenSession(string) error {
	e.refused = fmt.Errorf("opening sessions %w", errServerOnly)
	return e.refused
}

func (e *proxyEnv) Do(a fault.Action, arg string) error {
	if a != fault.RevokeAccessTokens {
		e.refused = fmt.Errorf("action %s %w", a, errServerOnly)
		return e.refused
	}
	return e.env.Do(a, arg)
}

// ProxyScenarios are the catalog's scenarios that apply in upstream mode,
// found by installing each with its defaults on a throwaway proxy realm,
// so the list follows the catalog.
var ProxyScenarios = sync.OnceValue(func() []string {
	var ids []string
	s := &Server{cfg: config.Default(), clock: clock.New()}
	for _, id := range scenarios.IDs() {
		sc, p, err := scenarios.Resolve(id, nil)
		if err == nil && installScenario(&env{s: s, st: s.newRealm()}, true, sc, p) == nil {
			ids = append(ids, id)
		}
	}
	return ids
})

// installScenario runs sc's Install, through the proxy's Env for a proxy
// realm, and then reports what it needed that the proxy cannot give.
func installScenario(e *env, proxy bool, sc *scenarios.Scenario, p scenarios.Params) error {
	if !proxy {
		return sc.Install(e, p)
	}
	pe := &proxyEnv{env: e}
	edges, triggers := len(e.st.edges), len(e.st.triggers)
	err := sc.Install(pe, p)
	if pe.refused != nil {
		return &ProxyRefusal{ID: sc.ID, Why: pe.refused}
	}
	if err != nil {
		return err
	}
	if knobs := serverOnlyKnobs(&e.st.knobs); len(knobs) > 0 {
		return &ProxyRefusal{ID: sc.ID, Why: fmt.Errorf("setting %s %w", strings.Join(knobs, ", "), errServerOnly)}
	}
	if len(e.st.edges) == edges && len(e.st.triggers) == triggers && reflect.ValueOf(e.st.knobs).IsZero() {
		// Its fault is only in what the suites hand their client (a
		// client id from another environment): nothing on the wire.
		return &ProxyRefusal{ID: sc.ID, Why: errors.New("changes only the configuration the suites hand their client, nothing on the wire a proxy could change")}
	}
	return nil
}

// ProxyRefusal is the error for a scenario that does not apply to the
// proxy: why, and which do.
type ProxyRefusal struct {
	ID  string
	Why error
}

func (e *ProxyRefusal) Error() string {
	return fmt.Sprintf("scenario %s does not apply to the proxy: %v (scenarios that apply to the proxy: %s)",
		e.ID, e.Why, strings.Join(ProxyScenarios(), ", "))
}

func (e *ProxyRefusal) Unwrap() error { return e.Why }

package fakeserver

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/go-jose/go-jose/v4/jwt"
)

// realm is one activation: what the active scenarios installed, and the
// accounts, sessions and grants they start afresh. The Server points at
// one realm at a time (an atomic pointer); a request loads it once, so it
// runs wholly in one activation even while another is installed.
//
// The fields above mu are fixed once the scenarios are installed and are
// read without a lock. The maps below it change with every login and
// grant and are guarded by mu, a lock of this realm's own.
type realm struct {
	active   Activation // resolved: params carry their defaults
	name     string     // active ids joined by "+", for the journal
	knobs    fault.Knobs
	edges    []fault.Edge
	handler  http.Handler // the app behind the edges
	fixtures map[string]string

	mu       sync.Mutex
	triggers []*trigger
	users    map[string]*user // the map is fixed; entries change under mu
	apiKeys  map[string]*apiKey
	sessions map[string]*session
	refresh  map[string]*refreshToken
	codes    map[string]*authCode
	// deadFamilies are refresh-token families revoked by reuse: a token
	// minted for one of them while the reuse was being detected is born
	// revoked.
	deadFamilies map[string]bool
	// The order sessions, refresh tokens and codes were made in, so the
	// oldest go first when their maps are full (see admit).
	sessionOrder, refreshOrder, codeOrder []string
	devices                               map[string]*deviceGrant // by device code
	deviceOrder                           []string

	seen *sightings // upstream mode: the credentials passing through
}

// What a realm holds at most. Past its lifetime on the virtual clock an
// entry is swept; past these caps the oldest goes (a session logged out,
// a grant forgotten), as a real server's store evicts.
const (
	maxSessions      = 50_000
	maxRefreshTokens = 50_000
	maxCodes         = 10_000
)

// put stores v under k in m, making room first: entries past their life
// go, oldest first, then the oldest while m is full. order is m's keys in
// insertion order (keys deleted elsewhere are skipped). Callers hold the
// realm's lock.
func put[V any](m map[string]V, order *[]string, k string, v V, limit int, dead func(V) bool) {
	q := *order
	for len(q) > 0 {
		old, ok := m[q[0]]
		switch {
		case !ok: // deleted elsewhere (a logout)
		case dead(old) || len(m) >= limit:
			delete(m, q[0])
		default:
			goto done
		}
		q = q[1:]
	}
done:
	if len(q) > 2*limit { // many deleted behind a long-lived front entry
		live := q[:0:0]
		for _, key := range q {
			if _, ok := m[key]; ok {
				live = append(live, key)
			}
		}
		q = live
	}
	m[k] = v
	*order = append(q, k) //nolint:gocritic // q is a view of *order that the sweep advanced: appending to it is the point
}

// sweepAfter keeps an expired entry this long, so a client presenting it
// hears "expired", not "unknown": the difference is the lesson.
const sweepAfter = 24 * time.Hour

func (st *realm) putSession(id string, ss *session, now time.Time) {
	put(st.sessions, &st.sessionOrder, id, ss, maxSessions, func(o *session) bool { return now.After(o.expires.Add(sweepAfter)) })
}

func (st *realm) putRefresh(raw string, rt *refreshToken, now time.Time) {
	put(st.refresh, &st.refreshOrder, raw, rt, maxRefreshTokens, func(o *refreshToken) bool { return now.After(o.expires.Add(sweepAfter)) })
}

func (st *realm) putCode(raw string, c *authCode, now time.Time) {
	put(st.codes, &st.codeOrder, raw, c, maxCodes, func(o *authCode) bool { return now.After(o.expires.Add(sweepAfter)) })
}

type user struct {
	name     string
	password string
	scopes   []string
	roles    []string
	failures int
	locked   bool
}

type apiKey struct {
	owner   string
	scopes  []string
	revoked bool
}

type session struct {
	user    string
	expires time.Time
}

type refreshToken struct {
	user, client string
	scopes       []string
	resources    []string // RFC 8707 resource indicators of the grant
	authn        userAuth // the authentication the grant began with
	family       string
	expires      time.Time
	used         bool // rotated away: presenting it again is reuse
	revoked      bool
}

// tokenBook is what the server remembers of the access tokens it issued.
// It belongs to the Server, not to a realm: a JWT outlives a scenario
// switch (the signing key does too), so its revocation must.
//
// It holds no record per issued token, so it does not grow with traffic.
// Every token's jti starts with its issue number; revoking a user's (or
// everyone's) tokens raises a watermark, and a token numbered at or below
// it is revoked. Single revocations (RFC 7009) are kept until the token
// could no longer pass even the most skewed clock, then swept.
type tokenBook struct {
	seq atomic.Uint64 // issue numbers

	mu      sync.RWMutex
	all     uint64               // tokens numbered <= all are revoked
	byUser  map[string]uint64    // a subject's tokens numbered <= this are revoked
	single  map[string]time.Time // jti -> when its record may go
	sweepAt int
}

// singleCap bounds single revocations; past it, the nearest to expiry go.
const singleCap = 100_000

// revocationSlack keeps a single revocation past the token's exp by the
// largest clock skew a scenario may set, so no judging clock sees it live.
const revocationSlack = 24 * time.Hour

func newTokenBook() *tokenBook {
	return &tokenBook{byUser: map[string]uint64{}, single: map[string]time.Time{}, sweepAt: 1024}
}

// newJTI numbers a token: "<issue number in hex>.<random>".
func (b *tokenBook) newJTI() string {
	return strconv.FormatUint(b.seq.Add(1), 16) + "." + randomHex(8)
}

func jtiNumber(jti string) (uint64, bool) {
	n, _, ok := strings.Cut(jti, ".")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(n, 16, 64)
	return v, err == nil
}

func (b *tokenBook) isRevoked(jti, subject string) bool {
	n, numbered := jtiNumber(jti)
	b.mu.RLock()
	defer b.mu.RUnlock()
	if numbered && (n <= b.all || n <= b.byUser[subject]) {
		return true
	}
	_, ok := b.single[jti]
	return ok
}

// revoke revokes one token, which expires at exp.
func (b *tokenBook) revoke(jti string, exp, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.single[jti] = exp.Add(revocationSlack)
	if len(b.single) >= b.sweepAt {
		b.sweep(now)
	}
}

// sweep drops single revocations whose tokens are dead on every clock,
// then, over the cap, those nearest to it. Callers hold b.mu.
func (b *tokenBook) sweep(now time.Time) {
	for jti, gone := range b.single {
		if now.After(gone) {
			delete(b.single, jti)
		}
	}
	for len(b.single) >= singleCap {
		var first string
		var at time.Time
		for jti, gone := range b.single {
			if first == "" || gone.Before(at) {
				first, at = jti, gone
			}
		}
		delete(b.single, first)
	}
	b.sweepAt = max(1024, 2*len(b.single))
}

// revokeUser revokes every token issued so far to user, or to anyone for
// "".
func (b *tokenBook) revokeUser(user string) {
	upTo := b.seq.Load()
	b.mu.Lock()
	defer b.mu.Unlock()
	if user == "" {
		b.all = upTo
		return
	}
	b.byUser[user] = upTo
}

type authCode struct {
	client, user, redirectURI string
	scopes                    []string
	resources                 []string // RFC 8707, from the authorization request
	authn                     userAuth
	challenge                 string
	expires                   time.Time
	// A code is used once (RFC 6749 §4.1.2); grant is what it was
	// exchanged for, kept so that a replay revokes it.
	used, replayed bool
	grant          issued
}

// issued names what one grant minted, for revoking it later.
type issued struct {
	jti    string
	exp    time.Time
	family string // the refresh token's; "" for none
}

// trigger is an action due after some more successful protected calls.
type trigger struct {
	remaining int
	action    fault.Action
}

func (s *Server) newRealm() *realm {
	st := &realm{
		fixtures:     map[string]string{},
		users:        map[string]*user{},
		apiKeys:      map[string]*apiKey{},
		sessions:     map[string]*session{},
		refresh:      map[string]*refreshToken{},
		codes:        map[string]*authCode{},
		deadFamilies: map[string]bool{},
		devices:      map[string]*deviceGrant{},
	}
	for _, u := range s.cfg.Users {
		st.users[u.Username] = &user{name: u.Username, password: u.Password, scopes: u.Scopes, roles: u.Roles}
	}
	for _, k := range s.cfg.APIKeys {
		st.apiKeys[k.Key] = &apiKey{owner: k.Owner, scopes: k.Scopes}
	}
	return st
}

// lifetimes are the effective lifetimes: a scenario's knob wins over the
// configuration.
type lifetimes struct{ access, refresh, session, otp time.Duration }

func (st *realm) lifetime(cfg *config.File) lifetimes {
	pick := func(knob time.Duration, conf config.Duration) time.Duration {
		if knob > 0 {
			return knob
		}
		return conf.D()
	}
	return lifetimes{
		access:  pick(st.knobs.AccessTTL, cfg.Lifetimes.AccessToken),
		refresh: pick(st.knobs.RefreshTTL, cfg.Lifetimes.RefreshToken),
		session: pick(st.knobs.SessionTTL, cfg.Lifetimes.Session),
		otp:     pick(st.knobs.OTPTTL, cfg.Lifetimes.OTP),
	}
}

func (s *Server) client(id string) (config.Client, bool) {
	for _, c := range s.cfg.Clients {
		if c.ID == id {
			return c, true
		}
	}
	return config.Client{}, false
}

// grantScopes narrows what was asked to what every party allows. An empty
// request gets everything allowed.
func grantScopes(requested []string, allowed ...[]string) []string {
	if len(requested) == 0 && len(allowed) > 0 {
		requested = allowed[0]
	}
	var out []string
	for _, sc := range requested {
		ok := true
		for _, a := range allowed {
			if !slices.Contains(a, sc) {
				ok = false
			}
		}
		// openid asks for an ID token (OpenID Connect Core §3.1.2.1); it
		// is not a permission that a user or client must hold.
		if sc == "openid" {
			ok = true
		}
		if ok && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	sort.Strings(out)
	return out
}

// mint is what one grant issues: who, for which client, with which
// scopes, for which resources (RFC 8707), bound to which key (RFC 9449).
type mint struct {
	issuer, subject, client string
	scopes, resources       []string
	family                  string // refresh-token family; "" a new one, "-" no refresh token
	idToken                 bool   // an ID token too, when scope has openid
	jkt                     string // DPoP key thumbprint; "" for a Bearer token
	authn                   userAuth
}

// userAuth is how and when a user authenticated, carried from the login
// to every token the grant mints (RFC 9470).
type userAuth struct {
	acr  string // "pwd" or "mfa"; "" for no user (client credentials)
	time time.Time
}

// ACR values.
const (
	acrPassword = "pwd"
	acrMFA      = "mfa"
)

// issue mints an access token (and a refresh token unless m.family is
// "-"). It signs holding no lock, so grants scale with cores; callers must
// not hold st.mu.
func (s *Server) issue(st *realm, m mint) (tokenResponse, error) {
	issuer, subject, client, scopes, resources, family, idToken := m.issuer, m.subject, m.client, m.scopes, m.resources, m.family, m.idToken
	now := s.clock.Now()
	lt := st.lifetime(s.cfg)
	jti := s.tokens.newJTI()
	// RFC 8707: a token asked for resources is for them alone; without
	// resource indicators it is for the client, as before.
	aud := jwt.Audience(resources)
	if len(aud) == 0 {
		aud = jwt.Audience{client}
		if client == "" {
			aud = jwt.Audience{"authchaos"}
		}
	}
	claims := jwt.Claims{
		Issuer: issuer, Subject: subject, Audience: aud, ID: jti,
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(lt.access)),
	}
	extra := accessClaims{Scope: strings.Join(scopes, " "), ClientID: client, ACR: m.authn.acr}
	if !m.authn.time.IsZero() {
		extra.AuthTime = m.authn.time.Unix()
	}
	tokenType := "Bearer"
	if m.jkt != "" {
		extra.Cnf, tokenType = &confirmation{JKT: m.jkt}, "DPoP"
	}
	access, err := s.accessToken(claims, extra, now)
	if err != nil {
		return tokenResponse{}, err
	}
	resp := tokenResponse{AccessToken: access, TokenType: tokenType, ExpiresIn: int64(lt.access / time.Second), Scope: strings.Join(scopes, " "),
		issued: issued{jti: jti, exp: now.Add(lt.access)}}
	if family != "-" {
		if family == "" {
			family = randomHex(6)
		}
		resp.issued.family = family
		rt := "rt_" + randomHex(24)
		st.mu.Lock()
		st.putRefresh(rt, &refreshToken{user: subject, client: client, scopes: scopes, resources: resources, family: family, authn: m.authn,
			expires: now.Add(lt.refresh), revoked: st.deadFamilies[family]}, now)
		st.mu.Unlock()
		resp.RefreshToken = rt
	}
	if idToken && slices.Contains(scopes, "openid") {
		idc := claims
		idc.ID = randomHex(12)
		if resp.IDToken, err = s.keys.sign(idc, accessClaims{Name: subject}); err != nil {
			return tokenResponse{}, err
		}
	}
	return resp, nil
}

// countSuccess runs the triggers due after one more successful protected
// call in st.
func (s *Server) countSuccess(st *realm) {
	if len(st.triggers) == 0 { // fixed at install: no lock needed to see none
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	e := &env{s: s, st: st}
	for _, t := range e.st.triggers {
		if t.remaining <= 0 {
			continue
		}
		t.remaining--
		if t.remaining == 0 {
			_ = e.doLocked(t.action, "")
		}
	}
}

// killFamily revokes every refresh token of a family, including any
// minted for it later. Callers hold st.mu.
func (st *realm) killFamily(family string) {
	st.deadFamilies[family] = true
	for _, rt := range st.refresh {
		if rt.family == family {
			rt.revoked = true
		}
	}
}

func (st *realm) liveSessions(name string, now time.Time) int {
	n := 0
	for _, ss := range st.sessions {
		if ss.user == name && now.Before(ss.expires) {
			n++
		}
	}
	return n
}

// totp derives the one-time code a user's authenticator shows at now: an
// HOTP (RFC 4226) over the current window of length step, as TOTP (RFC
// 6238) does, so codes expire on the virtual clock by themselves.
func totp(user string, now time.Time, step time.Duration) string {
	if step <= 0 {
		step = 30 * time.Second
	}
	var counter [8]byte
	binary.BigEndian.PutUint64(counter[:], uint64(now.UnixNano()/int64(step)))
	mac := hmac.New(sha1.New, []byte("authchaos-otp-seed:"+user))
	mac.Write(counter[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1000000)
}

// env is the fault.Env a scenario installs through.
type env struct {
	s  *Server
	st *realm
}

var _ fault.Env = (*env)(nil)

func (e *env) Now() time.Time         { return e.s.clock.Now() }
func (e *env) Knobs() *fault.Knobs    { return &e.st.knobs }
func (e *env) Use(edge fault.Edge)    { e.st.edges = append(e.st.edges, edge) }
func (e *env) Origins() fault.Origins { return e.s.Origins() }
func (e *env) Fixture(name, v string) { e.st.fixtures[name] = v }
func (e *env) After(n int, a fault.Action) {
	if n <= 0 { // "after no calls" means at once
		_ = e.Do(a, "")
		return
	}
	e.st.triggers = append(e.st.triggers, &trigger{remaining: n, action: a})
}

func (e *env) Account() fault.Account {
	a := fault.Account{Realm: e.s.cfg.Realm}
	if len(e.s.cfg.Users) > 0 {
		a.User = e.s.cfg.Users[0].Username
	}
	if len(e.s.cfg.APIKeys) > 0 {
		a.APIKey = e.s.cfg.APIKeys[0].Key
	}
	return a
}

func (e *env) Mint(name string, scopes []string) (string, string, error) {
	return e.MintFor(fault.Mint{User: name, Scopes: scopes})
}

func (e *env) MintFor(m fault.Mint) (string, string, error) {
	if len(e.s.cfg.Clients) == 0 {
		return "", "", errors.New("no OAuth client is configured to issue tokens to")
	}
	c := e.s.cfg.Clients[0]
	if m.User == "" {
		resp, err := e.s.issue(e.st, mint{issuer: e.s.ownIssuer(), subject: c.ID, client: c.ID, scopes: grantScopes(m.Scopes, c.Scopes),
			resources: m.Resources, family: "-"})
		return resp.AccessToken, resp.RefreshToken, err
	}
	u, ok := e.st.users[m.User]
	if !ok {
		return "", "", fmt.Errorf("no user %q", m.User)
	}
	resp, err := e.s.issue(e.st, mint{issuer: e.s.ownIssuer(), subject: u.name, client: c.ID, scopes: grantScopes(m.Scopes, u.scopes, c.Scopes),
		resources: m.Resources})
	return resp.AccessToken, resp.RefreshToken, err
}

func (e *env) OpenSession(name string) error {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	if _, ok := e.st.users[name]; !ok {
		return fmt.Errorf("no user %q", name)
	}
	now := e.s.clock.Now()
	e.st.putSession("s_"+randomHex(20), &session{user: name, expires: now.Add(e.st.lifetime(e.s.cfg).session)}, now)
	return nil
}

func (e *env) Client() fault.Client {
	if len(e.s.cfg.Clients) == 0 {
		return fault.Client{}
	}
	c := e.s.cfg.Clients[0]
	return fault.Client{ID: c.ID, RedirectURIs: append([]string(nil), c.RedirectURIs...)}
}

func (e *env) Do(a fault.Action, arg string) error {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	return e.doLocked(a, arg)
}

// doLocked performs an action with e.st.mu held (triggers run under it).
func (e *env) doLocked(a fault.Action, arg string) error {
	st := e.st
	switch a {
	case fault.RevokeAccessTokens:
		e.s.tokens.revokeUser(arg)
		if st.seen != nil {
			st.seen.revokeAll() // upstream mode: the credentials the proxy saw
		}
	case fault.RevokeAPIKey:
		found := false
		for k, rec := range st.apiKeys {
			if arg == "" || k == arg {
				rec.revoked, found = true, true
			}
		}
		if !found {
			return fmt.Errorf("no API key %q", arg)
		}
	case fault.RotateSigningKey:
		return e.s.keys.rotate()
	case fault.ChangePassword:
		name := arg
		if name == "" {
			name = e.Account().User
		}
		u, ok := st.users[name]
		if !ok {
			return fmt.Errorf("no user %q", name)
		}
		u.password = "changed-" + randomHex(6)
		// A password change ends everything the old password got.
		for id, ss := range st.sessions {
			if ss.user == name {
				delete(st.sessions, id)
			}
		}
		for _, rt := range st.refresh {
			if rt.user == name {
				rt.revoked = true
			}
		}
		e.s.tokens.revokeUser(name)
	case fault.ExpireRefreshToken:
		now := e.s.clock.Now()
		for _, rt := range st.refresh {
			rt.expires = now
		}
	case fault.ApproveDevice, fault.DenyDevice:
		return st.decideDevices(arg, a == fault.ApproveDevice, e.Account().User)
	default:
		return fmt.Errorf("unknown action %q (valid: %s)", a, actionNames())
	}
	return nil
}

func actionNames() string {
	var names []string
	for _, a := range fault.Actions {
		names = append(names, string(a))
	}
	return strings.Join(names, ", ")
}

// edgeChain wraps h in the active edges, first installed outermost.
func (st *realm) edgeChain(h http.Handler) http.Handler {
	for i := len(st.edges) - 1; i >= 0; i-- {
		h = st.edges[i](h)
	}
	return h
}

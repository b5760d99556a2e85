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
	"strings"
	"sync"
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
	family       string
	expires      time.Time
	used         bool // rotated away: presenting it again is reuse
	revoked      bool
}

// tokenBook is what the server remembers of the access tokens it issued.
// It belongs to the Server, not to a realm: a JWT outlives a scenario
// switch (the signing key does too), so its revocation must. It has a
// lock of its own, taken after a realm's when both are held.
type tokenBook struct {
	mu      sync.RWMutex
	issued  map[string]string // jti -> user
	revoked map[string]bool   // jti -> revoked
}

func newTokenBook() *tokenBook {
	return &tokenBook{issued: map[string]string{}, revoked: map[string]bool{}}
}

func (b *tokenBook) add(jti, user string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.issued[jti] = user
}

func (b *tokenBook) isRevoked(jti string) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.revoked[jti]
}

// revoke revokes one token, known or not (RFC 7009 revocation of a token
// this process did not issue still sticks).
func (b *tokenBook) revoke(jti string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.revoked[jti] = true
}

// revokeUser revokes the tokens issued to user, or all of them for "".
func (b *tokenBook) revokeUser(user string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for jti, u := range b.issued {
		if user == "" || u == user {
			b.revoked[jti] = true
		}
	}
}

type authCode struct {
	client, user, redirectURI string
	scopes                    []string
	challenge                 string
	expires                   time.Time
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

// issue mints an access token (and a refresh token when family is not
// "-"). It signs holding no lock, so grants scale with cores; callers must
// not hold st.mu.
func (s *Server) issue(st *realm, issuer, subject, client string, scopes []string, family string, idToken bool) (tokenResponse, error) {
	now := s.clock.Now()
	lt := st.lifetime(s.cfg)
	jti := randomHex(12)
	aud := client
	if aud == "" {
		aud = "authchaos"
	}
	claims := jwt.Claims{
		Issuer: issuer, Subject: subject, Audience: jwt.Audience{aud}, ID: jti,
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(lt.access)),
	}
	access, err := s.keys.sign(claims, accessClaims{Scope: strings.Join(scopes, " "), ClientID: client})
	if err != nil {
		return tokenResponse{}, err
	}
	s.tokens.add(jti, subject)
	resp := tokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(lt.access / time.Second), Scope: strings.Join(scopes, " ")}
	if family != "-" {
		if family == "" {
			family = randomHex(6)
		}
		rt := "rt_" + randomHex(24)
		st.mu.Lock()
		st.refresh[rt] = &refreshToken{user: subject, client: client, scopes: scopes, family: family, expires: now.Add(lt.refresh), revoked: st.deadFamilies[family]}
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
	u, ok := e.st.users[name]
	if !ok {
		return "", "", fmt.Errorf("no user %q", name)
	}
	if len(e.s.cfg.Clients) == 0 {
		return "", "", errors.New("no OAuth client is configured to issue tokens to")
	}
	c := e.s.cfg.Clients[0]
	resp, err := e.s.issue(e.st, e.s.ownIssuer(), u.name, c.ID, grantScopes(scopes, u.scopes, c.Scopes), "", false)
	return resp.AccessToken, resp.RefreshToken, err
}

func (e *env) OpenSession(name string) error {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	if _, ok := e.st.users[name]; !ok {
		return fmt.Errorf("no user %q", name)
	}
	now := e.s.clock.Now()
	e.st.sessions["s_"+randomHex(20)] = &session{user: name, expires: now.Add(e.st.lifetime(e.s.cfg).session)}
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

// Package fakeserver is a fake auth server that fails on purpose.
//
// It speaks real OAuth 2.0 (RFC 6749, 7009), signs real JWTs published
// through JWKS (RFC 7515, 7517, 7519), keeps sessions, API keys and Basic
// users, and answers every failure the way RFC 7235 and RFC 6750 say. The
// one idea to hold: a Server is healthy until a scenario from package
// scenarios is activated, and then it reproduces that failure mode exactly,
// recording every request in a Journal the suites judge clients from.
//
// A Server is an http.Handler, so it drops into httptest; Start runs it on
// a loopback port like httptest.NewServer. Every expiry reads the Server's
// virtual clock, so a test advances time instead of sleeping.
package fakeserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
	"github.com/authchaos/authchaos/scenarios"
)

// Server is the fake auth server.
type Server struct {
	cfg        *config.File
	clock      *clock.Clock
	journal    *Journal
	logger     *slog.Logger
	observer   func(Entry)
	metrics    *metrics
	keys       *keyring
	issuer     string   // fixed issuer, or "" to derive it from the request
	otherURL   string   // where OtherOrigin is served, when someone else listens
	adminHosts []string // more host names the admin API answers at
	limits     Limits
	fp         authn.Fingerprinter // keyed per server: journal fingerprints resist dictionaries
	nonceKey   []byte              // derives DPoP nonces
	dpopSeen   dpopReplay          // jtis of recent DPoP proofs
	stream     stream              // the live view's subscribers
	// heard is the origin requests came to while the server runs inside
	// someone else's listener (httptest): the issuer for tokens minted
	// without a request.
	heard   atomic.Pointer[string]
	started atomic.Bool // Listen ran: the server knows its own URL

	cur    atomic.Pointer[realm] // the active scenarios' realm
	tokens *tokenBook            // access tokens issued; survives activations like keys
	opaque opaqueBook            // claims behind opaque access tokens (token_format: opaque)
	mux    http.Handler
	app    http.Handler
	done   chan struct{} // closed by Close: ends live streams
	once   sync.Once
	alt    http.Handler

	upCfg *upstreamConfig // WithUpstream, until New builds up from it
	up    *upstream       // upstream mode: the proxy's forwarding half; nil for the fake server

	mu    sync.Mutex // guards the listeners below
	lns   []net.Listener
	srvs  []*http.Server
	url   string
	alURL string
}

var _ http.Handler = (*Server)(nil)

// Option configures a Server.
type Option func(*Server)

// WithConfig uses a parsed configuration file instead of the defaults.
func WithConfig(f *config.File) Option { return func(s *Server) { s.cfg = f } }

// WithClock uses c as the virtual clock; tests pass clock.Frozen(t0).
func WithClock(c *clock.Clock) Option { return func(s *Server) { s.clock = c } }

// WithLogger logs answers at Warn for 4xx and 5xx, Debug otherwise. The
// server never logs on its own; without a logger it is silent.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.logger = l } }

// WithObserver calls fn for every journal entry, after it is recorded.
func WithObserver(fn func(Entry)) Option { return func(s *Server) { s.observer = fn } }

// WithIssuer fixes the token issuer and the server's own URL (default: the
// URL the request came to). Whoever serves the handler on a listener of
// their own passes that listener's URL.
func WithIssuer(iss string) Option { return func(s *Server) { s.issuer = strings.TrimRight(iss, "/") } }

// WithAdminHosts adds host names the admin API answers at, beyond the
// loopback names and the server's own URL (a server reached as
// authchaos.internal from other machines, say). Requests to the admin API
// under any other Host are refused, against DNS rebinding.
func WithAdminHosts(names ...string) Option {
	return func(s *Server) { s.adminHosts = append(s.adminHosts, names...) }
}

// WithOtherOrigin names the URL where OtherOrigin is served, for a server
// on someone else's listeners; Start and Listen open it themselves.
func WithOtherOrigin(u string) Option {
	return func(s *Server) { s.otherURL = strings.TrimRight(u, "/") }
}

// New builds a Server with scenarios from the config already active.
func New(opts ...Option) (*Server, error) {
	s := &Server{done: make(chan struct{}), tokens: newTokenBook()}
	for _, o := range opts {
		o(s)
	}
	if s.cfg == nil {
		s.cfg = config.Default()
	}
	if s.clock == nil {
		s.clock = clock.New()
	}
	s.limits = s.limits.withDefaults()
	s.fp = authn.NewFingerprinter()
	s.nonceKey = []byte(randomHex(16))
	s.journal = journal.New(s.cfg.JournalCap)
	s.metrics = newMetrics()
	if s.logger != nil {
		prev := s.observer
		s.observer = func(e Entry) {
			s.log(e)
			if prev != nil {
				prev(e)
			}
		}
	}
	var err error
	if s.keys, err = newKeyring(); err != nil {
		return nil, err
	}
	s.mux = s.routes()
	if s.upCfg != nil {
		if s.up, err = s.newUpstream(s.upCfg); err != nil {
			return nil, err
		}
		s.app = http.HandlerFunc(s.serveUpstream)
	}
	s.alt = s.journaled(journal.OtherOrigin, http.HandlerFunc(s.serveOtherOrigin))
	var a Activation
	for _, sc := range s.cfg.Scenarios {
		a = append(a, Selected{ID: sc.ID, Params: sc.Params})
	}
	if err := s.install(a); err != nil {
		return nil, err
	}
	return s, nil
}

// MustNew is New for tests and examples: it panics on error.
func MustNew(opts ...Option) *Server {
	s, err := New(opts...)
	if err != nil {
		panic(err)
	}
	return s
}

func (s *Server) log(e Entry) {
	level := slog.LevelDebug
	if e.Status >= 400 {
		level = slog.LevelWarn
	}
	s.logger.Log(context.Background(), level, "request",
		"seq", e.Seq, "method", e.Method, "host", e.Host, "path", e.Path, "status", e.Status,
		"scheme", e.Scheme, "credential", e.Credential, "reason", e.Reason, "scenario", e.Scenario)
}

// ServeHTTP serves the fake server's own origin.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.issuer == "" && !s.started.Load() {
		if o, h := "http://"+r.Host, s.heard.Load(); h == nil || *h != o {
			s.heard.Store(&o)
		}
	}
	s.mux.ServeHTTP(w, r)
}

// Start listens on a free loopback port, plus a second one for the other
// origin redirect scenarios use, and serves until Close.
func (s *Server) Start() error { return s.Listen("127.0.0.1:0") }

// Listen serves on addr (and a second port on the same host).
func (s *Server) Listen(addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	alt, err := lc.Listen(context.Background(), "tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen for the other origin on %s: %w", host, err)
	}
	s.started.Store(true)
	s.mu.Lock()
	s.lns = []net.Listener{ln, alt}
	s.url = "http://" + hostPort(ln.Addr())
	s.alURL = "http://" + hostPort(alt.Addr())
	main, other := s.httpServer(s), s.httpServer(s.alt)
	s.srvs = []*http.Server{main, other}
	s.mu.Unlock()
	// Scenarios from the configuration were installed by New, before the
	// server had a URL: tokens they minted carry no issuer and redirects
	// they built point nowhere. Install them again now that it has one.
	if a := s.cur.Load().active; len(a) > 0 {
		if err := s.install(a); err != nil {
			ln.Close()
			alt.Close()
			return err
		}
	}
	go func() { _ = main.Serve(&limitListener{Listener: ln, max: s.limits.MaxConns}) }()
	go func() { _ = other.Serve(&limitListener{Listener: alt, max: s.limits.MaxConns}) }()
	return nil
}

func hostPort(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if host == "::" || host == "0.0.0.0" || host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// URL is the base URL once started, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.url == "" {
		return s.issuer // served by someone else's listener (fakeservertest)
	}
	return s.url
}

// OtherOrigin is the handler for the other origin redirect scenarios send
// clients to, for whoever owns the listeners (fakeservertest): serve it on
// a second port of the same host and name that URL with WithOtherOrigin.
func (s *Server) OtherOrigin() http.Handler { return s.alt }

// Origins are the redirect targets: the cross-host name reaches the other
// listener as "localhost", the other-port one as the same IP.
func (s *Server) Origins() fault.Origins {
	s.mu.Lock()
	self, other := s.url, s.alURL
	s.mu.Unlock()
	if self == "" {
		self = s.issuer
	}
	if other == "" {
		other = s.otherURL
	}
	o := fault.Origins{Self: self, OtherPort: other}
	if other != "" {
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(other, "http://"))
		o.CrossHost = "http://localhost:" + port
	}
	return o
}

// Close stops both listeners. Requests in flight get a second to finish;
// then connections are closed hard, because a client that opened a
// connection and never used it would otherwise hold Shutdown for seconds.
func (s *Server) Close() error {
	s.once.Do(func() { close(s.done) })
	s.mu.Lock()
	srvs := s.srvs
	s.srvs = nil
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var errs []error
	for _, srv := range srvs {
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			if err := srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Clock is the server's virtual clock.
func (s *Server) Clock() *clock.Clock { return s.clock }

// Advance moves the virtual clock forward.
func (s *Server) Advance(d time.Duration) time.Time {
	t := s.clock.Advance(d)
	s.announce(eventClock, d)
	return t
}

// Journal is the request journal.
func (s *Server) Journal() *Journal { return s.journal }

// Config is the configuration the server runs with.
func (s *Server) Config() *config.File { return s.cfg }

// Active returns the ids of the active scenarios.
func (s *Server) Active() []string {
	var ids []string
	for _, sel := range s.cur.Load().active {
		ids = append(ids, sel.ID)
	}
	return ids
}

// Activation returns the active scenarios with their parameters, defaults
// applied.
func (s *Server) Activation() Activation { return s.cur.Load().active.clone() }

// Fixtures returns what the active scenarios published for clients.
func (s *Server) Fixtures() map[string]string {
	out := map[string]string{}
	for k, v := range s.cur.Load().fixtures {
		out[k] = v
	}
	return out
}

func (s *Server) activeName() string { return s.cur.Load().name }

// Activate is Apply for parallel lists: params[i] applies to ids[i].
func (s *Server) Activate(ids []string, params ...map[string]string) error {
	a := make(Activation, len(ids))
	for i, id := range ids {
		a[i].ID = id
		if i < len(params) {
			a[i].Params = params[i]
		}
	}
	return s.Apply(a)
}

// Apply makes a the active scenarios, in order, on fresh state; an empty
// Activation heals the server. Every door (this method, the admin API, the
// configuration file, serve --scenario) comes through here and has the
// same effects: sessions, refresh tokens, codes, lock-outs and triggers
// start afresh and the journal is cleared, so what it shows next is this
// activation's. What the issuer knows about the JWTs it signed does not
// reset: the signing key and the access-token revocations survive, so a
// revoked token never comes back. On error nothing changes.
func (s *Server) Apply(a Activation) error {
	if err := s.apply(a); err != nil {
		return err
	}
	if len(a) == 0 {
		s.announce(eventHeal, 0)
	} else {
		s.announce(eventActivation, 0)
	}
	return nil
}

func (s *Server) apply(a Activation) error {
	if err := s.install(a); err != nil {
		return err
	}
	s.journal.Clear()
	return nil
}

// install builds a realm for a and makes it current.
func (s *Server) install(a Activation) error {
	st := s.newRealm()
	if s.up != nil {
		st.seen = newSightings()
	}
	env := &env{s: s, st: st}
	seen := map[string]bool{}
	for _, sel := range a {
		if seen[sel.ID] {
			return fmt.Errorf("scenario %s is listed twice", sel.ID)
		}
		seen[sel.ID] = true
		own, pick, picked, err := fault.SplitSelection(sel.Params)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", sel.ID, err)
		}
		sc, p, err := scenarios.Resolve(sel.ID, own)
		if err != nil {
			return err
		}
		before := len(st.edges)
		if err := installScenario(env, s.up != nil, sc, p); err != nil {
			var refusal *ProxyRefusal
			if errors.As(err, &refusal) {
				return err
			}
			return fmt.Errorf("install scenario %s: %w", sel.ID, err)
		}
		st.selectEdges(before, pick)
		st.active = append(st.active, Selected{ID: sel.ID, Params: withSelection(p, picked)})
	}
	st.name = st.active.name()
	st.handler = st.edgeChain(s.app)
	s.cur.Store(st)
	return nil
}

// Reset clears the journal, rewinds the clock and reinstalls the active
// scenarios on fresh state.
func (s *Server) Reset() error {
	a := s.cur.Load().active
	s.clock.Reset()
	if err := s.apply(a); err != nil {
		return err
	}
	s.announce(eventReset, 0)
	return nil
}

// Do performs an operator action now (rotate the key, revoke tokens...).
func (s *Server) Do(a fault.Action, arg string) error {
	return (&env{s: s, st: s.cur.Load()}).Do(a, arg)
}

// MintToken issues an access and refresh token for a user as the password
// grant would, for tests that need a token without a client.
func (s *Server) MintToken(user string, scopes ...string) (access, refresh string, err error) {
	return (&env{s: s, st: s.cur.Load()}).Mint(user, scopes)
}

// OTP is the one-time code a user's authenticator shows right now.
func (s *Server) OTP(user string) string {
	return totp(user, s.clock.Now(), s.cur.Load().lifetime(s.cfg).otp)
}

// Fingerprint is how this server's journal names secret: tests compare it
// with entries' Credential. The key is the server's own, so another
// server (or a dictionary) gets other fingerprints.
func (s *Server) Fingerprint(secret string) string { return s.fp.Of(secret) }

// ownIssuer is the issuer for tokens minted without a request: the fixed
// one, else the server's own URL, else the origin requests came to.
func (s *Server) ownIssuer() string {
	if s.issuer != "" {
		return s.issuer
	}
	s.mu.Lock()
	u := s.url
	s.mu.Unlock()
	if u == "" {
		if h := s.heard.Load(); h != nil {
			u = *h
		}
	}
	return u
}

func (s *Server) issuerFor(r *http.Request) string {
	if s.issuer != "" {
		return s.issuer
	}
	own := s.URL()
	if own == "" {
		return "http://" + r.Host // inside someone else's listener: the request says where we are
	}
	// A name the server answers at (localhost for 127.0.0.1, a name given
	// with WithAdminHosts) is honoured; any other Host, which a client or
	// a rebinding page made up, gets the server's own URL, so discovery
	// and issued tokens never name a host of the caller's choosing.
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if s.adminHostAllowed(host) {
		return "http://" + r.Host
	}
	return own
}

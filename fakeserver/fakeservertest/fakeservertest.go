// Package fakeservertest runs a fake auth server for one test, as
// net/http/httptest runs a handler.
//
// The one idea to hold: the test owns the listeners, so the server knows
// its URL (the token issuer) and its other origin before any scenario is
// installed, and everything is closed by the test's cleanup. It is what
// the project's own specs use, and it is offered to SDK teams:
//
//	srv := fakeservertest.Start(t, fakeserver.WithFrozenClock(time.Now()))
//	srv.MustApply(t, fakeserver.Activation{{ID: "expired-token"}})
//	client := mysdk.New(srv.URL, ...)
package fakeservertest

import (
	"net/http"
	"net/http/httptest"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/suites/adapter"
)

// TB is the part of testing.TB that Start needs; ginkgo's GinkgoT() has it
// too.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Server is a fake auth server on two loopback listeners: its own origin
// at URL, and the other origin redirect scenarios send clients to at
// OtherURL.
type Server struct {
	*fakeserver.Server
	URL      string
	OtherURL string

	main, other *httptest.Server
}

// Start serves a fake server built with opts on free loopback ports and
// closes it when the test ends. Scenarios from a configuration (WithConfig)
// are installed with the issuer already known.
func Start(tb TB, opts ...fakeserver.Option) *Server {
	tb.Helper()
	main := httptest.NewUnstartedServer(nil)
	other := httptest.NewUnstartedServer(nil)
	main.Config.ReadHeaderTimeout, other.Config.ReadHeaderTimeout = readHeaderTimeout, readHeaderTimeout
	url, otherURL := "http://"+main.Listener.Addr().String(), "http://"+other.Listener.Addr().String()
	opts = append(append([]fakeserver.Option(nil), opts...), fakeserver.WithIssuer(url), fakeserver.WithOtherOrigin(otherURL))
	s, err := fakeserver.New(opts...)
	if err != nil {
		main.Listener.Close()
		other.Listener.Close()
		tb.Fatalf("fakeservertest: %v", err)
		return nil
	}
	main.Config.Handler, other.Config.Handler = s, s.OtherOrigin()
	main.Start()
	other.Start()
	srv := &Server{Server: s, URL: url, OtherURL: otherURL, main: main, other: other}
	tb.Cleanup(srv.Close)
	return srv
}

const readHeaderTimeout = 10e9 // 10s, as serve uses

// Close shuts both listeners and ends live streams. Start registers it as
// a cleanup; calling it earlier is harmless.
func (s *Server) Close() {
	_ = s.Server.Close() // ends the live view's streams, which would hold httptest's Close
	s.main.CloseClientConnections()
	s.other.CloseClientConnections()
	s.main.Close()
	s.other.Close()
}

// Client is an HTTP client for the server whose idle connections are
// closed with it.
func (s *Server) Client() *http.Client { return s.main.Client() }

// MustApply activates a, failing the test on error.
func (s *Server) MustApply(tb TB, a fakeserver.Activation) {
	tb.Helper()
	if err := s.Apply(a); err != nil {
		tb.Fatalf("fakeservertest: activate %v: %v", a.IDs(), err)
	}
}

// Target is what the suites tell a client of the given auth kind about
// this server: the first configured client, user and API key, scope read,
// and the one-time-code URL.
func (s *Server) Target(auth adapter.AuthKind) adapter.Target { return Target(s.Server, auth) }

// Target is Server.Target for any running fake server.
func Target(s *fakeserver.Server, auth adapter.AuthKind) adapter.Target {
	cfg, base := s.Config(), s.URL()
	t := adapter.Target{
		BaseURL: base, TokenURL: base + "/oauth/token", LoginURL: base + "/login",
		AuthorizeURL: base + "/oauth/authorize", RevokeURL: base + "/oauth/revoke",
		Auth: auth, Scopes: []string{"read"},
	}
	if len(cfg.Clients) > 0 {
		t.ClientID, t.ClientSecret = cfg.Clients[0].ID, cfg.Clients[0].Secret
	}
	if len(cfg.Users) > 0 {
		t.Username, t.Password = cfg.Users[0].Username, cfg.Users[0].Password
		t.OTPURL = base + "/__admin/otp?user=" + cfg.Users[0].Username
	}
	if len(cfg.APIKeys) > 0 {
		t.APIKey = cfg.APIKeys[0].Key
	}
	return t
}

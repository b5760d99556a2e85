package fakeserver

import (
	"net/http"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
)

// routes builds the handler tree: admin and metrics first (never behind a
// scenario's edges, never journaled), then the journal, then the active
// scenario's edges, then the application.
func (s *Server) routes() http.Handler {
	app := http.NewServeMux()
	app.HandleFunc("POST /oauth/token", s.handleToken)
	app.HandleFunc("GET /oauth/authorize", s.handleAuthorize)
	app.HandleFunc("POST /oauth/revoke", s.handleRevoke)
	app.HandleFunc("GET /.well-known/openid-configuration", s.handleDiscovery)
	app.HandleFunc("GET "+authServerMetadataPath, s.handleAuthServerMetadata)
	app.HandleFunc("GET "+resourceMetadataPath, s.handleResourceMetadata)
	app.HandleFunc("GET "+apiMetadataPath, s.handleResourceMetadata)
	app.HandleFunc("GET "+strings.TrimSuffix(apiMetadataPath, "/"), s.handleResourceMetadata)
	app.HandleFunc("POST /oauth/introspect", s.handleIntrospect)
	app.HandleFunc("POST /oauth/device_authorization", s.handleDeviceAuthorization)
	app.HandleFunc("GET /userinfo", s.handleUserinfo)
	app.HandleFunc("POST /userinfo", s.handleUserinfo)
	app.HandleFunc("GET /jwks", s.handleJWKS)
	app.HandleFunc("POST /login", s.handleLogin)
	app.HandleFunc("POST /logout", s.handleLogout)
	app.HandleFunc("/api/", s.handleAPI)
	// A known endpoint asked with the wrong method is 405 with Allow, not
	// the catch-all's 404 (RFC 9110 §15.5.6).
	for path, allow := range map[string]string{
		"/oauth/token": "POST", "/oauth/authorize": "GET", "/oauth/revoke": "POST", "/oauth/introspect": "POST", "/oauth/device_authorization": "POST",
		authServerMetadataPath: "GET", resourceMetadataPath: "GET", apiMetadataPath: "GET", "/userinfo": "GET, POST",
		"/.well-known/openid-configuration": "GET", "/jwks": "GET", "/login": "POST", "/logout": "POST",
	} {
		app.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			a := fault.Refuse(http.StatusMethodNotAllowed, journal.MethodNotAllowed, r.Method+" is not allowed on "+path+"; allowed: "+allow)
			a.Header = http.Header{"Allow": {allow}}
			a.Write(w, r)
		})
	}
	app.HandleFunc("GET /{$}", s.handleIndex)
	app.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fault.Refuse(http.StatusNotFound, journal.NotFound, "see GET / for the endpoints").Write(w, r)
	})
	s.app = app
	edged := s.journaled(journal.App, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.realmOf(r).handler.ServeHTTP(w, r)
	}))
	mux := http.NewServeMux()
	s.adminRoutes(mux)
	admin := s.adminHost(sameOrigin(mux))
	metrics := s.metrics.handler()
	// Plain prefix checks, not a ServeMux: a ServeMux would "clean" a
	// path like /api//items with a redirect before the scenario's edges
	// could see what the client really sent (wrong-url).
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/__admin/"):
			admin.ServeHTTP(w, r)
		case r.URL.Path == "/metrics":
			metrics.ServeHTTP(w, r)
		case r.URL.Path == "/favicon.ico":
			// Browsers ask on every live-view load; that is not a client
			// the journal should show.
			w.WriteHeader(http.StatusNoContent)
		default:
			edged.ServeHTTP(w, r)
		}
	})
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	iss := s.issuerFor(r)
	fault.WriteJSON(w, http.StatusOK, map[string]any{
		"name":      "authchaos fake auth server",
		"scenario":  s.activeName(),
		"discovery": iss + "/.well-known/openid-configuration",
		"endpoints": []string{"POST /oauth/token", "GET /oauth/authorize", "POST /oauth/revoke", "GET /jwks", "POST /login", "POST /logout", "GET /api/me", "GET /api/items", "GET /__admin/scenarios"},
	})
}

// serveOtherOrigin is the origin redirect scenarios send clients to: a
// public mirror that answers anyone, so the only thing that can go wrong
// there is what the client chose to send.
func (s *Server) serveOtherOrigin(w http.ResponseWriter, r *http.Request) {
	note := fault.NoteOf(r)
	leaked := note.Scheme != authn.None
	if strings.HasPrefix(r.URL.Path, "/portal") {
		fault.Respond(w, r, http.StatusOK, journal.CaptivePortalPage, "text/html; charset=utf-8", portalPage)
	} else {
		fault.WriteJSON(w, http.StatusOK, map[string]any{"origin": "other", "host": r.Host, "path": r.URL.Path,
			"items": items, "received_credential": leaked})
	}
	// Whatever the page, a credential that arrives here went where it
	// should never go: the leak is what the journal must say.
	if leaked {
		note.Reason = journal.CredentialLeaked
	}
}

// portalPage is what a hotel Wi-Fi shows instead of the internet.
const portalPage = `<!DOCTYPE html>
<html><head><title>Welcome to Hotel Guest Wi-Fi</title></head>
<body><h1>Welcome!</h1><p>Please accept the terms of use to continue to the internet.</p>
<form method="post" action="/portal/accept"><label><input type="checkbox" name="terms"> I accept the terms</label>
<button type="submit">Connect</button></form></body></html>
`

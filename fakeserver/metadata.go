package fakeserver

import (
	"net/http"
	"slices"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/internal/authn"
)

// The discovery documents of OAuth 2.1 clients, and the endpoints they
// announce: RFC 8414 authorization server metadata, RFC 9728 protected
// resource metadata (which every Bearer 401 of the API names), RFC 7662
// introspection and OpenID Connect userinfo.

const (
	authServerMetadataPath = "/.well-known/oauth-authorization-server"
	resourceMetadataPath   = "/.well-known/oauth-protected-resource"
	// apiMetadataPath is RFC 9728 §3.1's form for the resource /api/: the
	// well-known path inserted before the resource's path, so a client
	// that builds the URL from the resource finds the same document the
	// challenges name, and its resource matches the URL it came from
	// (§3.3). The bare form above answers too, for clients that look at
	// the origin's root.
	apiMetadataPath = resourceMetadataPath + "/api/"
)

// scopesSupported is every scope a configured client may ask for.
func (s *Server) scopesSupported() []string {
	scopes := []string{"openid"}
	for _, c := range s.cfg.Clients {
		for _, sc := range c.Scopes {
			if !slices.Contains(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
	}
	return scopes
}

// serverMetadata is what RFC 8414 and OpenID Connect Discovery share.
func (s *Server) serverMetadata(iss string) map[string]any {
	return map[string]any{
		"issuer":                                        iss,
		"authorization_endpoint":                        iss + "/oauth/authorize",
		"token_endpoint":                                iss + "/oauth/token",
		"revocation_endpoint":                           iss + "/oauth/revoke",
		"introspection_endpoint":                        iss + "/oauth/introspect",
		"device_authorization_endpoint":                 iss + "/oauth/device_authorization",
		"userinfo_endpoint":                             iss + "/userinfo",
		"jwks_uri":                                      iss + "/jwks",
		"response_types_supported":                      []string{"code"},
		"subject_types_supported":                       []string{"public"},
		"id_token_signing_alg_values_supported":         []string{string(signingAlg)},
		"grant_types_supported":                         []string{"authorization_code", "client_credentials", "password", "refresh_token", deviceCodeGrant},
		"token_endpoint_auth_methods_supported":         []string{"client_secret_basic", "client_secret_post"},
		"introspection_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"revocation_endpoint_auth_methods_supported":    []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":              []string{"S256"},
		"scopes_supported":                              s.scopesSupported(),
		"dpop_signing_alg_values_supported":             dpopAlgNames(),
		// RFC 9207: authorization responses carry iss.
		"authorization_response_iss_parameter_supported": true,
	}
}

func (s *Server) handleAuthServerMetadata(w http.ResponseWriter, r *http.Request) {
	fault.WriteJSON(w, http.StatusOK, s.serverMetadata(s.issuerFor(r)))
}

// handleResourceMetadata is RFC 9728 §3 for the API under /api/.
func (s *Server) handleResourceMetadata(w http.ResponseWriter, r *http.Request) {
	iss := s.issuerFor(r)
	fault.WriteJSON(w, http.StatusOK, map[string]any{
		"resource":                          iss + "/api/",
		"authorization_servers":             []string{iss},
		"scopes_supported":                  s.scopesSupported(),
		"bearer_methods_supported":          []string{"header"},
		"dpop_signing_alg_values_supported": dpopAlgNames(),
		"resource_name":                     "authchaos fake API",
	})
}

// handleIntrospect is RFC 7662: the client authenticates; the answer says
// whether the token is active now, on the virtual clock, knowing every
// revocation. It never says why a token is inactive (§2.2).
func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	_, token, ok := s.tokenForm(w, r)
	if !ok {
		return
	}
	now := s.clock.Now()
	inactive := map[string]any{"active": false}
	st := s.realmOf(r)
	st.mu.Lock()
	rt, isRefresh := st.refresh[token]
	var refresh refreshToken
	if isRefresh {
		refresh = *rt
	}
	st.mu.Unlock()
	if isRefresh {
		if refresh.revoked || !now.Before(refresh.expires) || (refresh.used && st.knobs.RotateRefresh) {
			fault.WriteJSON(w, http.StatusOK, inactive)
			return
		}
		fault.WriteJSON(w, http.StatusOK, map[string]any{"active": true, "token_type": "refresh_token", "client_id": refresh.client,
			"username": refresh.user, "sub": refresh.user, "scope": strings.Join(refresh.scopes, " "), "exp": refresh.expires.Unix()})
		return
	}
	claims, extra, err := s.verifyToken(token, s.issuerFor(r), now)
	if err != nil || extra.ClientID == "" || s.tokens.isRevoked(claims.ID, claims.Subject) {
		fault.WriteJSON(w, http.StatusOK, inactive)
		return
	}
	out := map[string]any{"active": true, "token_type": "Bearer", "scope": extra.Scope, "client_id": extra.ClientID,
		"sub": claims.Subject, "username": claims.Subject, "iss": claims.Issuer, "aud": []string(claims.Audience), "jti": claims.ID,
		"exp": claims.Expiry.Time().Unix()}
	if claims.IssuedAt != nil {
		out["iat"] = claims.IssuedAt.Time().Unix()
	}
	if claims.NotBefore != nil {
		out["nbf"] = claims.NotBefore.Time().Unix()
	}
	fault.WriteJSON(w, http.StatusOK, out)
}

// userinfoRoute is OpenID Connect Core §5.3: a Bearer token with scope
// openid. Its refusals are the API's, so they carry a proper challenge.
var userinfoRoute = config.Route{Path: "/userinfo", Methods: []string{http.MethodGet, http.MethodPost}, Schemes: []string{authn.Bearer}, Scopes: []string{"openid"}}

func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	who, ok := s.guard(w, r, userinfoRoute)
	if !ok {
		return
	}
	fault.WriteJSON(w, http.StatusOK, map[string]any{"sub": who.user, "name": who.user, "preferred_username": who.user})
}

package fakeserver

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
)

// principal is who a protected call is made as.
type principal struct {
	user   string
	scopes []string
	roles  []string
	acr    string    // Bearer and DPoP tokens: how the user authenticated
	authAt time.Time // and when
}

// deny writes a 401 or 403 challenge in the server's realm. A Bearer
// challenge names the protected resource's metadata (RFC 9728 §5.1), from
// which a client that holds only the API's URL finds its authorization
// server.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, ch fault.Challenge) {
	ch.Realm = s.cfg.Realm
	if ch.Scheme == authn.Bearer || ch.Scheme == authn.DPoP {
		ch.ResourceMetadata = s.issuerFor(r) + apiMetadataPath
	}
	if ch.Scheme == authn.Digest && ch.Params == nil {
		ch.Params = s.digestParams(s.realmOf(r), false)
	}
	ch.Write(w, r)
}

// findRoute matches a request to the configured routes.
func (s *Server) findRoute(path, method string) (config.Route, bool, []string) {
	var methods []string
	for _, rt := range s.cfg.Routes {
		if rt.Path != path {
			continue
		}
		if slices.Contains(rt.Methods, method) || (method == http.MethodHead && slices.Contains(rt.Methods, http.MethodGet)) {
			return rt, true, nil
		}
		methods = append(methods, rt.Methods...)
	}
	return config.Route{}, false, methods
}

// handleAPI serves the protected API: route, authenticate, authorize,
// answer. Each refusal says which rule refused and why.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	route, ok, methods := s.findRoute(r.URL.Path, r.Method)
	if !ok {
		if len(methods) > 0 {
			a := fault.Refuse(http.StatusMethodNotAllowed, journal.MethodNotAllowed, "allowed: "+strings.Join(methods, ", "))
			a.Header = http.Header{"Allow": {strings.Join(methods, ", ")}}
			a.Write(w, r)
			return
		}
		fault.Refuse(http.StatusNotFound, journal.NotFound, fmt.Sprintf("no route %s %s; check the path for typos, extra slashes or a wrong prefix", r.Method, r.URL.Path)).Write(w, r)
		return
	}
	if route.Public {
		s.answer(w, r, route, principal{})
		return
	}
	who, ok := s.guard(w, r, route)
	if !ok {
		return
	}
	s.countSuccess(s.realmOf(r))
	s.answer(w, r, route, who)
}

// guard authenticates and authorizes a call to a protected route, as the
// active scenarios bend it, and answers the refusal itself when there is
// one: which rule refused, and why.
func (s *Server) guard(w http.ResponseWriter, r *http.Request, route config.Route) (principal, bool) {
	x := s.exchangeOf(r)
	st, knobs := x.realm, x.realm.knobs
	schemes := route.Schemes
	if o, ok := knobs.RouteSchemes[route.Path]; ok {
		schemes = o
	}
	scopes := append(append([]string(nil), route.Scopes...), knobs.RouteScopes[route.Path]...)
	roles := append(append([]string(nil), route.Roles...), knobs.RouteRoles[route.Path]...)

	cred, err := x.credential(r)
	var malformed *authn.MalformedError
	switch {
	case errors.As(err, &malformed):
		status, scheme := http.StatusUnauthorized, preferred(schemes, cred.Scheme)
		if cred.Scheme == authn.Bearer {
			status = http.StatusBadRequest // RFC 6750 §3.1 invalid_request
		}
		s.deny(w, r, fault.Challenge{Status: status, Scheme: challengeScheme(scheme), Error: "invalid_request",
			Description: describeMalformed(malformed), Reason: journal.MalformedCredentials,
			Hint: "fix how the credential is encoded; sending it again unchanged will fail the same way"})
		return principal{}, false
	case cred.Scheme == authn.Cookie && r.Header.Get("Authorization") != "":
		// "Cookie" names the session cookie in the journal; it is no
		// HTTP authentication scheme, so a session id pasted into
		// Authorization is refused, not taken as a session.
		s.deny(w, r, fault.Challenge{Scheme: challengeScheme(schemes[0]), Error: "invalid_request",
			Description: "Cookie is not an Authorization scheme: the session id belongs in the " + authn.SessionCookie + " cookie",
			Reason:      journal.WrongScheme, Hint: fmt.Sprintf("send the session as a cookie, or resend with %s", strings.Join(schemes, " or ")),
			Extra: map[string]any{"accepted_schemes": schemes}})
		return principal{}, false
	case cred.Scheme == authn.None:
		s.deny(w, r, fault.Challenge{Scheme: challengeScheme(schemes[0]), Reason: journal.MissingCredentials,
			Hint:    fmt.Sprintf("send credentials: this route accepts %s", strings.Join(schemes, ", ")),
			Headers: s.moreChallenges(r, schemes)})
		return principal{}, false
	case !slices.Contains(schemes, cred.Scheme) && !(cred.Scheme == authn.DPoP && slices.Contains(schemes, authn.Bearer)):
		// (A DPoP-bound token goes wherever a Bearer token may.)
		// A client switches to a scheme it holds a credential for, so
		// every accepted scheme gets a challenge, as for no credential.
		s.deny(w, r, fault.Challenge{Scheme: challengeScheme(schemes[0]), Error: "invalid_request",
			Description: fmt.Sprintf("this route accepts %s credentials, got %s", strings.Join(schemes, " or "), safeScheme(cred.Scheme)),
			Reason:      journal.WrongScheme, Hint: fmt.Sprintf("resend with %s", strings.Join(schemes, " or ")),
			Headers: s.moreChallenges(r, schemes), Extra: map[string]any{"accepted_schemes": schemes}})
		return principal{}, false
	}
	who, ch := s.authenticate(r, st, cred)
	if ch != nil {
		if ch.Scheme == "" {
			ch.Scheme = challengeScheme(cred.Scheme)
		}
		s.deny(w, r, *ch)
		return principal{}, false
	}
	fault.NoteOf(r).Subject = who.user
	if missing := missingAll(scopes, who.scopes); len(missing) > 0 {
		// RFC 6750 §3.1: insufficient_scope is 403, with the scope needed.
		s.deny(w, r, fault.Challenge{Status: http.StatusForbidden, Scheme: challengeScheme(cred.Scheme), Error: "insufficient_scope",
			Description: fmt.Sprintf("this route needs scope %s; the credential has %q", strings.Join(missing, " "), strings.Join(who.scopes, " ")),
			Scope:       strings.Join(scopes, " "), Reason: journal.InsufficientScope,
			Hint: "ask for a token with the scopes in the scope parameter, then retry"})
		return principal{}, false
	}
	if ch := s.stepUp(st, route, cred, who); ch != nil {
		s.deny(w, r, *ch)
		return principal{}, false
	}
	if missing := missingAll(roles, who.roles); len(missing) > 0 {
		fault.Refuse(http.StatusForbidden, journal.InsufficientRole,
			fmt.Sprintf("authenticated as %s, but this route needs role %s: a new token will not help, ask an administrator", who.user, strings.Join(missing, ", "))).Write(w, r)
		return principal{}, false
	}
	return who, true
}

// stepUp is RFC 9470: a route that needs a stronger or fresher
// authentication than the token carries answers 401
// insufficient_user_authentication, saying what it needs.
func (s *Server) stepUp(st *realm, route config.Route, cred authn.Credential, who principal) *fault.Challenge {
	need := st.knobs.StepUp
	if need == nil || need.Path != route.Path || (cred.Scheme != authn.Bearer && cred.Scheme != authn.DPoP) {
		return nil
	}
	ch := &fault.Challenge{Scheme: cred.Scheme, Error: "insufficient_user_authentication", Reason: journal.InsufficientUserAuthentication,
		Hint: "authenticate the user again as the challenge says (acr_values, max_age), get a new token, and retry once"}
	switch {
	case need.ACR != "" && who.acr != need.ACR:
		ch.ACRValues = need.ACR
		ch.Description = fmt.Sprintf("this route needs authentication %s; the token carries %q", need.ACR, who.acr)
	case need.MaxAge > 0 && (who.authAt.IsZero() || s.clock.Now().Sub(who.authAt) > need.MaxAge):
		ch.MaxAge = strconv.Itoa(int(need.MaxAge / time.Second))
		ch.Description = fmt.Sprintf("this route needs an authentication at most %s old", need.MaxAge)
	default:
		return nil
	}
	return ch
}

// possession checks RFC 9449 §7: a token bound to a key comes with the
// DPoP scheme and a proof signed by that key; an unbound one as Bearer.
func (s *Server) possession(r *http.Request, st *realm, cred authn.Credential, cnf *confirmation) *fault.Challenge {
	hint := "send the token with the DPoP scheme and a fresh proof (RFC 9449 §7), and retry once"
	switch {
	case cnf == nil && cred.Scheme == authn.DPoP:
		return &fault.Challenge{Scheme: authn.DPoP, Error: "invalid_token", Description: "the access token is not bound to a DPoP key; send it as Bearer",
			Reason: journal.InvalidDPoPProof, Hint: "send an unbound token with the Bearer scheme"}
	case cnf == nil:
		return nil
	case cred.Scheme == authn.Bearer:
		return &fault.Challenge{Scheme: authn.DPoP, Error: "invalid_token", Description: "the access token is bound to a DPoP key and must come with the DPoP scheme and a proof",
			Reason: journal.DPoPBoundAsBearer, Hint: hint, Algs: strings.Join(dpopAlgNames(), " ")}
	}
	jkt, derr := s.checkDPoP(r, st, s.requestURL(r), cred.Secret)
	if derr == nil && jkt != cnf.JKT {
		derr = &dpopError{code: "invalid_dpop_proof", reason: journal.InvalidDPoPProof, description: "the proof is signed by another key than the one the token is bound to"}
	}
	if derr == nil {
		return nil
	}
	ch := &fault.Challenge{Scheme: authn.DPoP, Error: derr.code, Description: derr.description, Reason: derr.reason, Hint: hint,
		Algs: strings.Join(dpopAlgNames(), " ")}
	if derr.code == "use_dpop_nonce" {
		ch.Headers = http.Header{"Dpop-Nonce": {s.dpopNonce(st, s.clock.Now())}}
		ch.Hint = "retry once with a new proof that carries the nonce from DPoP-Nonce"
	}
	return ch
}

// forResource reports whether a token's audience lets it in at the API.
// A token without resource indicators names its client, and passes; one
// issued for resources (RFC 8707 aud values are URIs) must name the API.
func forResource(aud []string, api string, required bool) bool {
	urls := false
	for _, a := range aud {
		if a == api || a+"/" == api {
			return true
		}
		urls = urls || strings.Contains(a, "://")
	}
	return !urls && !required
}

// moreChallenges are the challenges for every accepted scheme after the
// first, which the main challenge names (RFC 7235 §4.1 allows several).
func (s *Server) moreChallenges(r *http.Request, schemes []string) http.Header {
	h := http.Header{}
	for _, other := range schemes[1:] {
		ch := fault.Challenge{Scheme: challengeScheme(other), Realm: s.cfg.Realm}
		if other == authn.Digest {
			ch.Params = s.digestParams(s.realmOf(r), false)
		}
		h.Add("WWW-Authenticate", ch.Header())
	}
	return h
}

// challengeScheme names the challenge for a presented scheme; sessions
// answer with "Session" since no RFC names a cookie scheme.
func challengeScheme(scheme string) string {
	if scheme == authn.Cookie {
		return "Session"
	}
	return scheme
}

// safeScheme is a presented scheme's name fit for the journal and for
// answers. What sits where the scheme goes may be the bare secret (a
// client that forgot "Bearer " sends the token alone), so only the names
// of real schemes pass; anything else is "unknown".
func safeScheme(s string) string {
	switch s {
	case "", authn.Bearer, authn.Basic, authn.APIKey, authn.Cookie, authn.None:
		return s
	}
	for _, known := range []string{"Digest", "Negotiate", "NTLM", "Kerberos", "HOBA", "Mutual", "OAuth", "DPoP", "Token", "Hawk", "vapid", "PrivateToken", "SCRAM-SHA-1", "SCRAM-SHA-256", "AWS4-HMAC-SHA256"} {
		if strings.EqualFold(s, known) {
			return known
		}
	}
	return "unknown"
}

// describeMalformed says what is wrong with a credential without
// repeating any of it: authn's message quotes the scheme, which may be
// the secret itself.
func describeMalformed(m *authn.MalformedError) string {
	switch {
	case m.Scheme != "" && safeScheme(m.Scheme) != m.Scheme:
		return `malformed Authorization header: want "SCHEME CREDENTIALS" (such as "Bearer TOKEN"); what came first is no scheme this server knows, and is not repeated here in case it is a secret`
	case m.Scheme == "" && strings.HasPrefix(m.Reason, "scheme "):
		return `malformed Authorization header: the scheme is not an RFC 7235 token (not repeated here in case it is a secret); want "SCHEME CREDENTIALS"`
	}
	return m.Error()
}

func preferred(accepted []string, presented string) string {
	if slices.Contains(accepted, presented) {
		return presented
	}
	return accepted[0]
}

func missingAll(need, have []string) []string {
	var out []string
	for _, n := range need {
		if !slices.Contains(have, n) {
			out = append(out, n)
		}
	}
	return out
}

// authenticate checks a well-formed credential of an accepted scheme.
func (s *Server) authenticate(r *http.Request, st *realm, cred authn.Credential) (principal, *fault.Challenge) {
	now := s.clock.Now()
	switch cred.Scheme {
	case authn.Bearer, authn.DPoP:
		claims, extra, err := s.verifyToken(cred.Secret, s.issuerFor(r), now.Add(st.knobs.Skew))
		if err != nil {
			var te *tokenError
			errors.As(err, &te)
			return principal{}, &fault.Challenge{Error: "invalid_token", Description: te.Description, Reason: te.Reason,
				Hint: "get a new access token (refresh it or authenticate again) and retry once"}
		}
		if extra.ClientID == "" {
			// Every access token names its client; an ID token (OpenID
			// Connect Core §2) says who logged in and grants nothing.
			return principal{}, &fault.Challenge{Error: "invalid_token", Description: "this is an ID token, not an access token",
				Reason: journal.IDTokenAsAccessToken, Hint: "send the access_token from the token response, not the id_token"}
		}
		if api := s.issuerFor(r) + "/api/"; !forResource(claims.Audience, api, st.knobs.RequireResource) {
			return principal{}, &fault.Challenge{Error: "invalid_token",
				Description: fmt.Sprintf("the token is for %s, not for this API (%s)", strings.Join(claims.Audience, " "), api),
				Reason:      journal.AudienceMismatch, Hint: "get a token for this API (resource=" + api + ", RFC 8707) and retry once"}
		}
		if s.tokens.isRevoked(claims.ID, claims.Subject) {
			return principal{}, &fault.Challenge{Error: "invalid_token", Description: "the access token was revoked", Reason: journal.TokenRevoked,
				Hint: "get a new access token (refresh it or authenticate again) and retry once"}
		}
		if ch := s.possession(r, st, cred, extra.Cnf); ch != nil {
			return principal{}, ch
		}
		p := principal{user: claims.Subject, scopes: strings.Fields(extra.Scope), acr: extra.ACR}
		if extra.AuthTime > 0 {
			p.authAt = time.Unix(extra.AuthTime, 0)
		}
		if u, ok := st.users[claims.Subject]; ok { // roles never change after activation
			p.roles = u.roles
		}
		return p, nil
	case authn.Basic:
		st.mu.Lock()
		defer st.mu.Unlock()
		// Basic is a password login on every call, and it has no room for
		// a one-time code: where logins need one (mfa-required), Basic is
		// refused, or it would be the way around the second factor.
		u, lerr := s.checkPasswordLocked(st, cred.User, cred.Secret, "")
		if lerr != nil && lerr.reason == journal.MFARequired {
			lerr.description = "this account needs a one-time code, which Basic credentials cannot carry"
			lerr.hint = "log in with POST /login (password and otp) and use the session, or get a token with the password grant and otp"
		}
		if lerr != nil {
			return principal{}, &fault.Challenge{Reason: lerr.reason, Description: lerr.description, Hint: lerr.hint}
		}
		return principal{user: u.name, scopes: u.scopes, roles: u.roles}, nil
	case authn.APIKey:
		st.mu.Lock()
		defer st.mu.Unlock()
		k, ok := st.apiKeys[cred.Secret]
		switch {
		case !ok:
			return principal{}, &fault.Challenge{Error: "invalid_key", Description: "the API key is not known here", Reason: journal.InvalidAPIKey, Hint: "check the key belongs to this environment"}
		case k.revoked:
			return principal{}, &fault.Challenge{Error: "invalid_key", Description: "the API key was revoked", Reason: journal.APIKeyRevoked, Hint: "a revoked key never comes back: stop and ask for a new key"}
		}
		p := principal{user: k.owner, scopes: k.scopes}
		if u, ok := st.users[k.owner]; ok {
			p.roles = u.roles
		}
		return p, nil
	case authn.Cookie:
		st.mu.Lock()
		defer st.mu.Unlock()
		ss, ok := st.sessions[cred.Secret]
		switch {
		case !ok:
			return principal{}, &fault.Challenge{Reason: journal.SessionUnknown, Description: "the session is not known (logged out, or ended by the server)", Hint: "log in again"}
		case !now.Before(ss.expires):
			delete(st.sessions, cred.Secret)
			return principal{}, &fault.Challenge{Reason: journal.SessionExpired, Description: "the session expired at " + ss.expires.UTC().Format(time.RFC3339), Hint: "log in again, then retry"}
		}
		u := st.users[ss.user]
		return principal{user: u.name, scopes: u.scopes, roles: u.roles}, nil
	}
	if cred.Scheme == authn.Digest {
		return s.digestAuthenticate(r, st, cred)
	}
	return principal{}, &fault.Challenge{Reason: journal.WrongScheme, Description: "unsupported scheme " + cred.Scheme}
}

var items = []map[string]any{
	{"id": 1, "name": "umbrella"}, {"id": 2, "name": "rain boots"}, {"id": 3, "name": "thermos"},
}

// answer is the protected resource itself: small, fixed, JSON.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, route config.Route, who principal) {
	switch {
	case route.Public:
		fault.WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "path": route.Path})
	case route.Path == "/api/me":
		fault.WriteJSON(w, http.StatusOK, map[string]any{"user": who.user, "scopes": who.scopes, "roles": who.roles, "scheme": fault.NoteOf(r).Scheme})
	case route.Path == "/api/items" && r.Method == http.MethodPost:
		fault.WriteJSON(w, http.StatusCreated, map[string]any{"id": 4, "created_by": who.user})
	case route.Path == "/api/items":
		fault.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	default:
		fault.WriteJSON(w, http.StatusOK, map[string]any{"path": route.Path, "user": who.user})
	}
}

package fakeserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
)

// tokenResponse is RFC 6749 §5.1.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
	IDToken      string `json:"id_token,omitempty"`

	issued issued // what was minted, for the server's own book-keeping
}

// oauthError is RFC 6749 §5.2, plus our reason and hint.
type oauthError struct {
	status      int
	code        string
	description string
	reason      journal.Reason
	hint        string
}

func (s *Server) writeOAuthError(w http.ResponseWriter, r *http.Request, e oauthError) {
	a := fault.Answer{Status: e.status, Reason: e.reason, Header: http.Header{"Pragma": {"no-cache"}}}
	// RFC 7235 §3.1 and the contract: every 401 carries a challenge,
	// whether the client tried Basic, form fields or nothing.
	if e.status == http.StatusUnauthorized {
		a.Header.Set("WWW-Authenticate", fault.Challenge{Scheme: "Basic", Realm: s.cfg.Realm, Error: e.code}.Header())
		if e.hint == "" {
			e.hint = "authenticate the client once, with HTTP Basic (form-urlencoded client_id:client_secret) or client_id and client_secret form fields, with the id and secret registered for this environment"
		}
	}
	// RFC 6749 §5.2 always has error_description here, even when empty.
	a.JSON = map[string]any{"error": e.code, "error_description": e.description, "reason": e.reason, "hint": e.hint}
	a.Write(w, r)
}

const maxFormBytes = 64 << 10

// handleToken is the token endpoint, RFC 6749 §3.2.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	note := fault.NoteOf(r)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.BadContentType,
			description: fmt.Sprintf("Content-Type is %q, want application/x-www-form-urlencoded (RFC 6749 §4)", r.Header.Get("Content-Type"))})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.BadForm, description: "form body does not parse: " + err.Error()})
		return
	}
	if k, dup := duplicated(r.PostForm); dup {
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.DuplicateParameter,
			description: fmt.Sprintf("parameter %s is sent more than once; RFC 6749 §3.2 allows each once", k)})
		return
	}
	grant := r.PostForm.Get("grant_type")
	note.Grant = grant
	c, oerr := s.authenticateClient(r)
	if oerr != nil {
		s.writeOAuthError(w, r, *oerr)
		return
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	issuer := s.issuerFor(r)

	handle, known := grants[grant]
	switch {
	case grant == "":
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.MissingGrantType, description: "grant_type is required (valid: " + grantNames() + ")"})
		return
	case !known:
		s.writeOAuthError(w, r, oauthError{status: 400, code: "unsupported_grant_type", reason: journal.UnsupportedGrantType,
			description: fmt.Sprintf("grant_type %q is not supported (valid: %s)", grant, grantNames())})
		return
	}
	resources, oerr := resourceIndicators(r.PostForm["resource"])
	if oerr != nil {
		s.writeOAuthError(w, r, *oerr)
		return
	}
	note.Resource = strings.Join(resources, " ")
	st := s.realmOf(r)
	var jkt string
	if len(r.Header.Values("DPoP")) > 0 {
		// RFC 9449 §5: a proof at the token endpoint binds the tokens to
		// its key; a refused one is a 400 with the error, and the current
		// nonce when that is what was missing.
		var derr *dpopError
		if jkt, derr = s.checkDPoP(r, st, issuer+"/oauth/token", ""); derr != nil {
			e := oauthError{status: 400, code: derr.code, reason: derr.reason, description: derr.description}
			if derr.code == "use_dpop_nonce" {
				w.Header().Set("DPoP-Nonce", s.dpopNonce(st, s.clock.Now()))
				e.hint = "retry once with a new proof that carries the nonce from DPoP-Nonce"
			}
			s.writeOAuthError(w, r, e)
			return
		}
		if n := s.dpopNonce(st, s.clock.Now()); n != "" {
			w.Header().Set("DPoP-Nonce", n)
		}
	}
	resp, oerr, err := handle(s, tokenRequest{r: r, st: st, client: c, scopes: scopes, resources: resources, issuer: issuer, jkt: jkt})
	if oerr != nil {
		s.writeOAuthError(w, r, *oerr)
		return
	}
	if err != nil {
		s.writeOAuthError(w, r, oauthError{status: 500, code: "server_error", reason: journal.SigningFailed, description: err.Error()})
		return
	}
	note.Scope = resp.Scope
	w.Header().Set("Pragma", "no-cache")
	fault.WriteJSON(w, http.StatusOK, resp)
}

func oauthCode(reason journal.Reason) string {
	if reason == journal.MFARequired {
		return string(journal.MFARequired) // the reason doubles as the OAuth error code clients test for
	}
	return "invalid_grant"
}

// authenticateClient checks the client authentication of a token or
// revocation request (RFC 6749 §2.3.1) and notes the client as subject.
func (s *Server) authenticateClient(r *http.Request) (config.Client, *oauthError) {
	id, secret, oerr := clientCredentials(r)
	if oerr != nil {
		return config.Client{}, oerr
	}
	c, ok := s.client(id)
	if ok {
		fault.NoteOf(r).Subject = id
	} else {
		// An unknown client id may be a secret pasted into the wrong
		// field: it is named by fingerprint only, here and in the journal.
		fault.NoteOf(r).Subject = s.fp.Of(id)
	}
	if !ok || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		desc := fmt.Sprintf("client %s is not registered here", redactID(id))
		if ok {
			desc = fmt.Sprintf("client secret for %q is wrong", id)
		}
		return config.Client{}, &oauthError{status: 401, code: "invalid_client", reason: journal.InvalidClient,
			description: desc, hint: "check that the client id and secret belong to this environment (staging and production have different clients)"}
	}
	return c, nil
}

// clientCredentials reads client authentication from Basic (RFC 6749
// §2.3.1, form-urlencoded inside) or the form, never both.
func clientCredentials(r *http.Request) (id, secret string, _ *oauthError) {
	formID, formSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if h := r.Header.Get("Authorization"); h != "" {
		cred, err := authn.ParseAuthorization(h)
		if err != nil || cred.Scheme != authn.Basic {
			msg := "client authentication must be HTTP Basic or client_id/client_secret form fields"
			var m *authn.MalformedError
			if errors.As(err, &m) {
				msg = describeMalformed(m)
			}
			return "", "", &oauthError{status: 401, code: "invalid_client", reason: journal.MalformedClientAuth, description: msg}
		}
		if formSecret != "" {
			return "", "", &oauthError{status: 400, code: "invalid_request", reason: journal.TwoClientAuthMethods, description: "client authenticated with both Basic and client_secret; use one (RFC 6749 §2.3)"}
		}
		id, errID := url.QueryUnescape(cred.User)
		sec, errSec := url.QueryUnescape(cred.Secret)
		if errID != nil || errSec != nil {
			return "", "", &oauthError{status: 401, code: "invalid_client", reason: journal.MalformedClientAuth, description: "Basic client credentials are not form-urlencoded (RFC 6749 §2.3.1)"}
		}
		return id, sec, nil
	}
	if formID == "" {
		return "", "", &oauthError{status: 401, code: "invalid_client", reason: journal.MissingClientAuth, description: "no client authentication: send HTTP Basic or client_id and client_secret"}
	}
	return formID, formSecret, nil
}

// loginError is a failed primary authentication.
type loginError struct {
	reason            journal.Reason
	description, hint string
}

// checkPasswordLocked verifies a user's password (and one-time code when
// MFA is on), counting failures toward the lock-out.
func (s *Server) checkPasswordLocked(st *realm, name, password, otp string) (*user, *loginError) {
	u, ok := st.users[name]
	if !ok {
		return nil, &loginError{journal.WrongPassword, "username or password is wrong", "check the credentials; do not retry automatically, accounts lock after repeated failures"}
	}
	if u.locked {
		return nil, &loginError{journal.AccountLocked, fmt.Sprintf("account %q is locked after %d failed logins", name, u.failures), "an administrator must unlock the account (POST /__admin/reset)"}
	}
	if subtle.ConstantTimeCompare([]byte(u.password), []byte(password)) != 1 {
		u.failures++
		if n := st.knobs.LockoutAfter; n > 0 && u.failures >= n {
			u.locked = true
			return nil, &loginError{journal.AccountLocked, fmt.Sprintf("wrong password; account %q is now locked after %d failures", name, u.failures), "stop retrying passwords: each attempt counted toward the lock-out"}
		}
		desc := "username or password is wrong"
		if n := st.knobs.LockoutAfter; n > 0 {
			desc = fmt.Sprintf("username or password is wrong (%d of %d attempts before lock-out)", u.failures, n)
		}
		return nil, &loginError{journal.WrongPassword, desc, "check the credentials; do not retry automatically, accounts lock after repeated failures"}
	}
	if st.knobs.RequireMFA {
		if e := s.checkOTP(st, name, otp); e != nil {
			return nil, e
		}
	}
	u.failures = 0
	return u, nil
}

// checkOTP checks a user's one-time code against the authenticator's
// current window on the virtual clock.
func (s *Server) checkOTP(st *realm, name, otp string) *loginError {
	now, step := s.clock.Now(), st.lifetime(s.cfg).otp
	switch otp {
	case "":
		return &loginError{journal.MFARequired, "a one-time code is required: send it as otp", "read the current code from the authenticator (otp_url) and log in again with it"}
	case totp(name, now, step):
		return nil
	case totp(name, now.Add(-step), step):
		return &loginError{journal.OTPExpired, "the one-time code has expired", "read the current code and try again at once"}
	}
	return &loginError{journal.OTPInvalid, "the one-time code is wrong", "read the current code from the authenticator"}
}

func (s *Server) useRefreshLocked(st *realm, raw, clientID string) (*refreshToken, *oauthError) {
	bad := func(reason journal.Reason, desc, hint string) *oauthError {
		return &oauthError{status: 400, code: "invalid_grant", reason: reason, description: desc, hint: hint}
	}
	if raw == "" {
		return nil, &oauthError{status: 400, code: "invalid_request", reason: journal.MissingRefreshToken, description: "refresh_token is required"}
	}
	rt, ok := st.refresh[raw]
	switch {
	case !ok:
		return nil, bad(journal.RefreshTokenUnknown, "refresh token is not known to this server", "log in again with the primary credentials")
	case rt.client != clientID:
		return nil, bad(journal.RefreshTokenClientMismatch, "refresh token was issued to another client", "use the client that obtained it")
	case rt.revoked:
		return nil, bad(journal.RefreshTokenRevoked, "refresh token was revoked", "log in again with the primary credentials")
	case !s.clock.Now().Before(rt.expires):
		return nil, bad(journal.RefreshTokenExpired, "refresh token expired at "+rt.expires.UTC().Format(time.RFC3339), "log in again with the primary credentials")
	case rt.used && st.knobs.RotateRefresh:
		// RFC 6819 §5.2.2.3 / OAuth 2.0 Security BCP §4.14: a rotated
		// token presented again means two parties hold it; kill them all.
		st.killFamily(rt.family)
		return nil, bad(journal.RefreshTokenReused, "refresh token was already used; the whole token family is revoked", "keep only the newest refresh token, and refresh once even when calls run concurrently")
	}
	if st.knobs.RotateRefresh {
		rt.used = true
	}
	return rt, nil
}

func (s *Server) useCodeLocked(st *realm, raw, clientID, redirectURI, verifier string) (*authCode, *oauthError) {
	bad := func(reason journal.Reason, desc string) *oauthError {
		return &oauthError{status: 400, code: "invalid_grant", reason: reason, description: desc}
	}
	code, ok := st.codes[raw]
	switch {
	case !ok:
		return nil, bad(journal.CodeUnknown, "authorization code is unknown")
	case code.used:
		// A second use means someone else holds the code: what it was
		// exchanged for is revoked (RFC 6749 §4.1.2).
		code.replayed = true
		s.revokeGrant(st, code.grant)
		return nil, bad(journal.CodeReused, "authorization code was already used; the tokens it was exchanged for are revoked")
	}
	code.used = true // even if the checks below refuse it
	switch {
	case code.client != clientID:
		return nil, bad(journal.CodeClientMismatch, "authorization code was issued to another client")
	case code.redirectURI != redirectURI:
		return nil, bad(journal.RedirectURIMismatch, fmt.Sprintf("redirect_uri %q differs from the one in the authorization request", redirectURI))
	case !s.clock.Now().Before(code.expires):
		return nil, bad(journal.CodeExpired, "authorization code expired")
	case code.challenge != "" && (len(verifier) < 43 || len(verifier) > 128 || !pkceChars(verifier)):
		// RFC 7636 §4.1: 43 to 128 unreserved characters.
		return nil, &oauthError{status: 400, code: "invalid_request", reason: journal.PKCEFormat,
			description: fmt.Sprintf("code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1), got %d", len(verifier))}
	case code.challenge != "" && pkceS256(verifier) != code.challenge:
		return nil, bad(journal.PKCEMismatch, "code_verifier does not match code_challenge (S256)")
	case code.challenge == "" && verifier != "":
		// RFC 9700 §4.8.2: a verifier for a code issued without a
		// challenge is a PKCE downgrade attempt.
		return nil, bad(journal.PKCEDowngrade, "code_verifier sent, but the authorization request had no code_challenge")
	}
	return code, nil
}

// revokeGrant revokes what one grant minted. Callers hold st.mu.
func (s *Server) revokeGrant(st *realm, g issued) {
	if g.jti != "" {
		s.tokens.revoke(g.jti, g.exp, s.clock.Now())
	}
	if g.family != "" {
		st.killFamily(g.family)
	}
}

// tokenForm reads what revocation and introspection share: a form with
// one token, from an authenticated client (RFC 7009 §2.1, RFC 7662 §2.1).
// It answers the refusal itself when there is one.
func (s *Server) tokenForm(w http.ResponseWriter, r *http.Request) (config.Client, string, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.BadForm, description: "form body does not parse: " + err.Error()})
		return config.Client{}, "", false
	}
	if k, dup := duplicated(r.PostForm); dup {
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.DuplicateParameter,
			description: fmt.Sprintf("parameter %s is sent more than once; RFC 6749 §3.2 allows each once", k)})
		return config.Client{}, "", false
	}
	c, oerr := s.authenticateClient(r)
	if oerr != nil {
		s.writeOAuthError(w, r, *oerr)
		return config.Client{}, "", false
	}
	token := r.PostForm.Get("token")
	if token == "" {
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.MissingToken, description: "token is required"})
		return config.Client{}, "", false
	}
	return c, token, true
}

// redactID names an unknown client id by its start and length only: a
// client id is public (RFC 6749 §2.2), but an unknown one may be a secret
// pasted into the wrong field, and an error must not echo that.
func redactID(id string) string {
	r := []rune(id)
	if len(r) <= 4 {
		return fmt.Sprintf("%q", id)
	}
	return fmt.Sprintf("%q (%d characters)", string(r[:4])+"…", len(r))
}

// pkceChars reports whether v has only RFC 3986 unreserved characters,
// the PKCE alphabet (base64url is a subset).
func pkceChars(v string) bool {
	for _, c := range []byte(v) {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// duplicated returns a parameter sent more than once.
func duplicated(v url.Values) (string, bool) {
	for k, vs := range v {
		if len(vs) > 1 && k != "resource" { // RFC 8707 §2: resource may repeat
			return k, true
		}
	}
	return "", false
}

func pkceS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// handleAuthorize is the authorization endpoint, RFC 6749 §4.1.1, with
// PKCE (RFC 7636). It approves at once for the session's user, the
// login_hint, or the first configured user: a test server has no one to
// click "allow".
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if k, dup := duplicated(q); dup {
		// Before any redirect: which redirect_uri would be the one?
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.DuplicateParameter,
			description: fmt.Sprintf("parameter %s is sent more than once; RFC 6749 §3.1 allows each once; not redirecting", k)})
		return
	}
	c, ok := s.client(q.Get("client_id"))
	if !ok {
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.InvalidClient,
			description: fmt.Sprintf("client_id %s is not registered; not redirecting", redactID(q.Get("client_id")))})
		return
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(c.RedirectURIs, redirect) {
		// RFC 6749 §4.1.2.1: never redirect to an unverified URI.
		fault.NoteOf(r).Subject = c.ID
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.RedirectURIMismatch,
			description: fmt.Sprintf("redirect_uri %q is not registered for client %s (registered: %s); exact match required, not redirecting", redirect, c.ID, strings.Join(c.RedirectURIs, ", ")),
			hint:        "register the exact redirect URI, including scheme, port, path and trailing slash"})
		return
	}
	back := func(reason journal.Reason, params url.Values) {
		u, _ := url.Parse(redirect)
		qq := u.Query()
		for k, v := range params {
			qq[k] = v
		}
		if st := q.Get("state"); st != "" {
			qq.Set("state", st)
		}
		qq.Set("iss", s.issuerFor(r)) // RFC 9207: which server answered (mix-up defence)
		u.RawQuery = qq.Encode()
		fault.Redirect(w, r, u.String(), http.StatusFound, reason)
	}
	if q.Get("response_type") != "code" {
		back(journal.UnsupportedResponseType, url.Values{"error": {"unsupported_response_type"}, "error_description": {"only response_type=code is supported"}})
		return
	}
	if q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256" {
		back(journal.PKCEMethod, url.Values{"error": {"invalid_request"}, "error_description": {"code_challenge_method must be S256"}})
		return
	}
	if ch := q.Get("code_challenge"); ch != "" && (len(ch) != 43 || !pkceChars(ch)) {
		// RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters.
		back(journal.PKCEFormat, url.Values{"error": {"invalid_request"}, "error_description": {"code_challenge must be 43 base64url characters (RFC 7636 §4.2)"}})
		return
	}
	st := s.realmOf(r)
	st.mu.Lock()
	defer st.mu.Unlock()
	var name string
	if len(s.cfg.Users) > 0 {
		name = s.cfg.Users[0].Username
	}
	if hint := q.Get("login_hint"); st.users[hint] != nil {
		name = hint
	}
	if ck, err := r.Cookie(authn.SessionCookie); err == nil {
		if ss, ok := st.sessions[ck.Value]; ok && s.clock.Now().Before(ss.expires) {
			name = ss.user
		}
	}
	if st.users[name] == nil {
		back(journal.NoUser, url.Values{"error": {"access_denied"}, "error_description": {"no user is configured to approve the request"}})
		return
	}
	// The user authenticates afresh for every request (so any max_age
	// holds); acr_values=mfa needs the one-time code, as otp, as the
	// second factor (RFC 9470 §4, OpenID Connect Core §3.1.2.1).
	level := userAuth{acr: acrPassword, time: s.clock.Now()}
	if otp := q.Get("otp"); otp != "" || slices.Contains(strings.Fields(q.Get("acr_values")), acrMFA) {
		if e := s.checkOTP(st, name, otp); e != nil {
			back(e.reason, url.Values{"error": {"interaction_required"}, "error_description": {"acr_values mfa: " + e.description}})
			return
		}
		level.acr = acrMFA
	}
	code := "code_" + randomHex(16)
	resources, oerr := resourceIndicators(q["resource"])
	if oerr != nil {
		back(oerr.reason, url.Values{"error": {oerr.code}, "error_description": {oerr.description}})
		return
	}
	st.putCode(code, &authCode{client: c.ID, resources: resources, authn: level, user: name, redirectURI: redirect, challenge: q.Get("code_challenge"),
		scopes: grantScopes(strings.Fields(q.Get("scope")), st.users[name].scopes, c.Scopes), expires: s.clock.Now().Add(time.Minute)}, s.clock.Now())
	fault.NoteOf(r).Subject = name
	back("", url.Values{"code": {code}})
}

// handleRevoke is RFC 7009: always 200, even for unknown tokens, so a
// caller learns nothing about which tokens exist.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	c, token, ok := s.tokenForm(w, r)
	if !ok {
		return
	}
	// An ID token names no client and grants nothing: nothing to revoke.
	claims, extra, verr := s.verifyToken(token, s.issuerFor(r), s.clock.Now())
	isAccess := verr == nil && extra.ClientID != ""
	st := s.realmOf(r)
	st.mu.Lock()
	defer st.mu.Unlock()
	rt, isRefresh := st.refresh[token]
	// RFC 7009 §2.1: the server "verifies whether the token was issued to
	// the client making the revocation request" and refuses it if not;
	// otherwise one client could end another's grants.
	if (isRefresh && rt.client != c.ID) || (isAccess && extra.ClientID != c.ID) {
		s.writeOAuthError(w, r, oauthError{status: 400, code: "unauthorized_client", reason: journal.TokenClientMismatch,
			description: fmt.Sprintf("the token was not issued to client %q, so it may not revoke it", c.ID),
			hint:        "revoke a token with the client that obtained it"})
		return
	}
	switch {
	case isRefresh:
		// Revoking a refresh token ends its grant.
		st.killFamily(rt.family)
	case isAccess:
		s.tokens.revoke(claims.ID, claims.Expiry.Time(), s.clock.Now())
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	fault.WriteJSON(w, http.StatusOK, s.serverMetadata(s.issuerFor(r)))
}

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	fault.WriteJSON(w, http.StatusOK, s.keys.jwks())
}

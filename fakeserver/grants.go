package fakeserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

// tokenRequest is a token request whose client is authenticated.
type tokenRequest struct {
	r      *http.Request
	st     *realm
	client config.Client
	scopes []string // asked for
	// resources are the RFC 8707 resource indicators asked for.
	resources []string
	issuer    string
	jkt       string // the DPoP key the request proved, RFC 9449
}

// form is one field of the request.
func (t tokenRequest) form(k string) string { return t.r.PostForm.Get(k) }

// A grant checks what it consumes under the realm's lock, then signs with
// no lock held. It returns the refusal (an RFC 6749 §5.2 error) or the
// tokens; err is the server's own failure.
type grant func(s *Server, t tokenRequest) (tokenResponse, *oauthError, error)

// grants are the grant types of the token endpoint, by grant_type. A new
// grant (device code, token exchange) is one more entry.
var grants = map[string]grant{
	"client_credentials": (*Server).grantClientCredentials,
	"password":           (*Server).grantPassword,
	"refresh_token":      (*Server).grantRefresh,
	"authorization_code": (*Server).grantCode,
	deviceCodeGrant:      (*Server).grantDevice,
}

// resourceIndicators reads RFC 8707 resource parameters: absolute URIs
// without a fragment, any number of them.
func resourceIndicators(v []string) ([]string, *oauthError) {
	for _, res := range v {
		u, err := url.Parse(res)
		if err != nil || !u.IsAbs() || u.Fragment != "" || u.RawFragment != "" || strings.Contains(res, "#") {
			return nil, &oauthError{status: 400, code: "invalid_target", reason: journal.InvalidTarget,
				description: fmt.Sprintf("resource %q must be an absolute URI without a fragment (RFC 8707 §2)", res)}
		}
	}
	return v, nil
}

func grantNames() string {
	names := make([]string, 0, len(grants))
	for n := range grants {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (s *Server) grantClientCredentials(t tokenRequest) (tokenResponse, *oauthError, error) {
	resp, err := s.issue(t.st, mint{issuer: t.issuer, subject: t.client.ID, client: t.client.ID, scopes: grantScopes(t.scopes, t.client.Scopes),
		resources: t.resources, family: "-", jkt: t.jkt})
	return resp, nil, err
}

func (s *Server) grantPassword(t tokenRequest) (tokenResponse, *oauthError, error) {
	t.st.mu.Lock()
	u, e := s.checkPasswordLocked(t.st, t.form("username"), t.form("password"), t.form("otp"))
	level := userAuth{acr: acrPassword, time: s.clock.Now()}
	if e == nil && t.form("otp") != "" {
		// A valid one-time code makes it a second factor, whether or not
		// the scenario requires one.
		if e = s.checkOTP(t.st, u.name, t.form("otp")); e == nil {
			level.acr = acrMFA
		}
	}
	t.st.mu.Unlock()
	if e != nil {
		return tokenResponse{}, &oauthError{status: 400, code: oauthCode(e.reason), reason: e.reason, description: e.description, hint: e.hint}, nil
	}
	fault.NoteOf(t.r).Subject = u.name
	resp, err := s.issue(t.st, mint{issuer: t.issuer, subject: u.name, client: t.client.ID, scopes: grantScopes(t.scopes, u.scopes, t.client.Scopes),
		resources: t.resources, idToken: true, jkt: t.jkt, authn: level})
	return resp, nil, err
}

func (s *Server) grantRefresh(t tokenRequest) (tokenResponse, *oauthError, error) {
	st := t.st
	st.mu.Lock()
	found, e := s.useRefreshLocked(st, t.form("refresh_token"), t.client.ID)
	var rt refreshToken
	if e == nil {
		rt = *found // a copy: the record changes under the lock
	}
	st.mu.Unlock()
	if e != nil {
		return tokenResponse{}, e, nil
	}
	fault.NoteOf(t.r).Subject = rt.user
	granted := rt.scopes
	if len(t.scopes) > 0 {
		for _, sc := range t.scopes {
			if !slices.Contains(rt.scopes, sc) {
				return tokenResponse{}, &oauthError{status: 400, code: "invalid_scope", reason: journal.ScopeExceedsGrant,
					description: fmt.Sprintf("scope %q was not granted originally (granted: %s); a refresh cannot widen scope", sc, strings.Join(rt.scopes, " ")),
					hint:        "ask for the wider scope with a new grant (password, client_credentials or authorization_code)"}, nil
			}
		}
		granted = grantScopes(t.scopes, rt.scopes)
	}
	family := rt.family
	if !st.knobs.RotateRefresh {
		family = "-"
	}
	resources := rt.resources
	if len(t.resources) > 0 {
		// RFC 8707 §2.2: a refresh may narrow the audience, never widen it.
		for _, res := range t.resources {
			if len(rt.resources) > 0 && !slices.Contains(rt.resources, res) {
				return tokenResponse{}, &oauthError{status: 400, code: "invalid_target", reason: journal.InvalidTarget,
					description: fmt.Sprintf("resource %q was not part of the original grant", res)}, nil
			}
		}
		resources = t.resources
	}
	resp, err := s.issue(st, mint{issuer: t.issuer, subject: rt.user, client: t.client.ID, scopes: granted, resources: resources, family: family, jkt: t.jkt, authn: rt.authn})
	if !st.knobs.RotateRefresh {
		resp.RefreshToken = t.form("refresh_token")
	}
	return resp, nil, err
}

func (s *Server) grantCode(t tokenRequest) (tokenResponse, *oauthError, error) {
	st := t.st
	st.mu.Lock()
	code, e := s.useCodeLocked(st, t.form("code"), t.client.ID, t.form("redirect_uri"), t.form("code_verifier"))
	st.mu.Unlock()
	if e != nil {
		return tokenResponse{}, e, nil
	}
	fault.NoteOf(t.r).Subject = code.user
	resources := code.resources
	if len(t.resources) > 0 {
		resources = t.resources
	}
	resp, err := s.issue(st, mint{issuer: t.issuer, subject: code.user, client: t.client.ID, scopes: code.scopes, resources: resources, idToken: true, jkt: t.jkt, authn: code.authn})
	if err == nil {
		st.mu.Lock()
		code.grant = resp.issued
		if code.replayed { // replayed while these were being signed
			s.revokeGrant(st, code.grant)
		}
		st.mu.Unlock()
	}
	return resp, nil, err
}

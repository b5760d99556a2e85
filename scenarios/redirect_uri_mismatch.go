package scenarios

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "redirect-uri-mismatch",
		Title:    "Authorization request with an unregistered redirect URI",
		Category: "oauth",
		Recovery: FailFast,
		Summary:  "publishes `authorize_path`, an authorization request (PKCE S256, state) whose `redirect_uri` differs from the registered one by `kind`; the server answers 400 `redirect_uri_mismatch` and never redirects",
		Explain: Explain{
			Symptom:   "Sign-in never comes back to the app: the authorization endpoint shows an error page (here 400 `invalid_request`, reason redirect_uri_mismatch) instead of redirecting with a code, so the app never gets a code and its next API call fails with 401. The URI looks right at a glance.",
			Cause:     "Redirect URIs must match the registration exactly (RFC 6749 §3.1.2, OAuth 2.0 Security BCP). A trailing slash, http instead of https, another port, or localhost instead of 127.0.0.1 is a different URI, and the server must not redirect to an unverified one (§4.1.2.1), so it stops and tells the user instead.",
			UserFix:   "Fail fast with an error that names redirect_uri_mismatch and the URI you sent; retrying cannot help. Send the redirect URI exactly as registered (build it from configuration, not from the request you are serving, which a proxy may have rewritten).",
			OwnerFix:  "Whitelist exact redirect URIs per environment and say which URIs are registered in the error, as this server does; for native apps allow any loopback port (RFC 8252 §7.3) rather than asking users to guess.",
			TellApart: "A 400 from /oauth/authorize with no Location is this; invalid_client from the token endpoint is client-mismatch; a redirect with error=... in the query is an error the server may safely send to a registered URI; a redirect_uri_mismatch from the token endpoint means the code exchange used another URI than the authorization request.",
		},
		Sources: []string{SeedChecklist},
		Params: []Param{{Name: "kind", Default: "trailing-slash",
			Help: "how the redirect URI differs from the registered one: trailing-slash, scheme (http/https), port, host (localhost/127.0.0.1)", Kind: EnumParam, Values: []string{"trailing-slash", "scheme", "port", "host"}}},
		Install: func(env fault.Env, p Params) error {
			c := env.Client()
			if len(c.RedirectURIs) == 0 {
				return errors.New("the first configured client has no redirect_uris to mismatch")
			}
			wrong, err := mismatchURI(c.RedirectURIs[0], p["kind"])
			if err != nil {
				return err
			}
			verifier := randomToken(32)
			sum := sha256.Sum256([]byte(verifier))
			q := url.Values{
				"response_type":         {"code"},
				"client_id":             {c.ID},
				"redirect_uri":          {wrong},
				"scope":                 {"read"},
				"state":                 {randomToken(12)},
				"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
				"code_challenge_method": {"S256"},
			}
			env.Fixture("authorize_path", "/oauth/authorize?"+q.Encode())
			env.Fixture("redirect_uri", wrong)
			return nil
		},
		Workload: Workload{
			// The authorization request needs no credential; any client
			// that can call a URL runs it, OAuth-only SDKs included.
			Auth:   adapter.AuthOAuth2ClientCredentials,
			Steps:  []Step{Get("$authorize_path")},
			Expect: Expect{Status: 400, ErrorNames: []string{"redirect_uri_mismatch", "redirect_uri", "redirect uri", "not registered"}},
		},
		Variants: []Variant{
			{Params: map[string]string{"kind": "scheme"}, Why: "http instead of https"},
			{Params: map[string]string{"kind": "port"}, Why: "another port"},
			{Params: map[string]string{"kind": "host"}, Why: "localhost instead of 127.0.0.1"},
		},
	})
}

// mismatchURI returns registered with the one small difference kind names.
func mismatchURI(registered, kind string) (string, error) {
	u, err := url.Parse(registered)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("registered redirect URI %q is not an absolute URL", registered)
	}
	switch kind {
	case "trailing-slash":
		if strings.HasSuffix(u.Path, "/") {
			u.Path = strings.TrimSuffix(u.Path, "/")
		} else {
			u.Path += "/"
		}
	case "scheme":
		if u.Scheme == "https" {
			u.Scheme = "http"
		} else {
			u.Scheme = "https"
		}
	case "port":
		port := u.Port()
		if port == "" {
			port = map[string]string{"https": "443"}[u.Scheme]
			if port == "" {
				port = "80"
			}
		}
		n, _ := strconv.Atoi(port)
		u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(n+1))
	case "host":
		host := "www." + u.Hostname()
		switch u.Hostname() {
		case "127.0.0.1", "::1":
			host = "localhost"
		case "localhost":
			host = "127.0.0.1"
		}
		if u.Port() != "" {
			host = net.JoinHostPort(host, u.Port())
		}
		u.Host = host
	default:
		return "", fmt.Errorf("kind %q is not valid (valid: trailing-slash, scheme, port, host)", kind)
	}
	return u.String(), nil
}

// randomToken is n random bytes, base64url: a PKCE verifier or a state.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

package scenarios

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/internal/authn"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "cookie-secure-over-http",
		Title:    "Secure or SameSite=Strict cookie that cannot come back",
		Category: "sessions",
		Recovery: FailFast,
		Summary:  "the login sets the session cookie `Secure` (or `SameSite=Strict`, `attr`) while the API is plain http (or the call is cross-site); the cookie is withheld as a user agent on a real host withholds it, and calls get 401 `missing_credentials`",
		Explain: Explain{
			Symptom:   "The login answers 200 with `Set-Cookie: authchaos_session=...; Secure` on an `http://` URL, and the next call gets 401 missing_credentials: the cookie never came back. With SameSite=Strict the same happens only to requests that start on another site (a link, an SSO redirect back to the app).",
			Cause:     "The session cookie is marked Secure (good practice) but the API is reached over plain http: RFC 6265 §5.4 says a Secure cookie goes only over secure channels, so the user agent keeps it to itself. SameSite=Strict cookies stay home on cross-site requests by design. Loopback hosts count as secure in browsers and Go's cookie jar, which is why it works on localhost and fails on a staging host over http.",
			UserFix:   "Call the API over https. After a login, check the session cookie will come back to the API's URL; if it is Secure and the URL is http (or SameSite=Strict and the flow is cross-site), fail fast naming the attribute instead of logging in again. Never strip Secure or send the cookie by hand over http.",
			OwnerFix:  "Serve the API and the login over https everywhere, staging included, and redirect http to https before the login; keep Secure and HttpOnly on session cookies, and use SameSite=Lax (or None with Secure) for flows that arrive from another site, such as an SSO callback.",
			TellApart: "Login works and the next call carries no cookie: cookie-domain-mismatch when Domain names another domain, this when the cookie is Secure on http or SameSite=Strict on a cross-site call. A cookie that arrives and is refused is expired-session or session-network-change.",
		},
		Sources: []string{SeedChecklist},
		Params:  []Param{{Name: "attr", Default: "secure", Help: "secure: Secure cookie, API on plain http; samesite-strict: SameSite=Strict cookie, API called from an app on another site, so the cookie is withheld unless a call is marked Sec-Fetch-Site same-origin, same-site or none", Kind: EnumParam, Values: []string{"secure", "samesite-strict"}}},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			var withheld func(r *http.Request) bool
			switch p["attr"] {
			case "secure":
				k.CookieSecure = true
				withheld = func(r *http.Request) bool { return r.TLS == nil }
			case "samesite-strict":
				// The app that calls is on another site (app.example.com
				// calling api.example.net), so every call is cross-site
				// unless it says otherwise. API clients send no
				// Sec-Fetch-Site; waiting for "cross-site" would let
				// this variant never bite.
				k.CookieSameSite = http.SameSiteStrictMode
				withheld = func(r *http.Request) bool {
					switch r.Header.Get("Sec-Fetch-Site") {
					case "same-origin", "same-site", "none":
						return false
					}
					return true
				}
			default:
				return fmt.Errorf("attr %q is not valid (valid: secure, samesite-strict)", p["attr"])
			}
			// The fake server listens on loopback, which browsers and Go's
			// cookie jar treat as a secure origin, so they would send the
			// cookie anyway. The edge withholds it as a user agent talking
			// to a real host does; the journal still shows what was sent.
			env.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if withheld(r) {
						dropCookie(r, authn.SessionCookie)
					}
					next.ServeHTTP(w, r)
				})
			})
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthSession,
			Steps:  []Step{Get("/api/me")},
			Expect: Expect{Status: 401, ErrorNames: []string{"secure", "cookie"}},
		},
		Variants: []Variant{{Params: map[string]string{"attr": "samesite-strict"}, Why: "a SameSite=Strict cookie from another site instead of a Secure one over http"}},
	})
}

// dropCookie removes one cookie from the request, keeping the others.
func dropCookie(r *http.Request, name string) {
	cookies := r.Cookies()
	r.Header.Del("Cookie")
	var keep []string
	for _, c := range cookies {
		if c.Name != name {
			keep = append(keep, c.Name+"="+c.Value)
		}
	}
	if len(keep) > 0 {
		r.Header.Set("Cookie", strings.Join(keep, "; "))
	}
}

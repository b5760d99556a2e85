package scenarios

import (
	"fmt"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "cookie-domain-mismatch",
		Title:    "Session cookie set for another domain",
		Category: "sessions",
		Recovery: FailFast,
		Summary:  "the login succeeds but sets the session cookie with `Domain=` `domain`, which a cookie jar on this host refuses; every call then arrives without it and gets 401 `missing_credentials`",
		Explain: Explain{
			Symptom:   "The login answers 200 with `Set-Cookie: authchaos_session=...; Domain=auth.authchaos.example`, and the very next call gets 401 missing_credentials: no cookie arrived. Logging in again 'works' and changes nothing.",
			Cause:     "The session cookie's Domain attribute names a domain the API's host is not in (a production domain configured on staging, `example.com` behind `api.example.net`, a bare IP or localhost). RFC 6265 §5.3 makes user agents ignore such a cookie, so it is never stored and never sent back.",
			UserFix:   "After a login, check that the session cookie was stored for the API's host; if it was refused, fail fast naming the cookie's domain and the host, instead of logging in again in a loop. Do not work around it by copying the cookie by hand: that hides the misconfiguration.",
			OwnerFix:  "Set Domain only when the cookie must be shared with subdomains, and then to a domain the login and API hosts are both in; usually leave it out (host-only cookie). Make login routes, session stores and cookie domains match the hosts you serve, per environment.",
			TellApart: "Login works, the next call arrives with no cookie at all (missing_credentials): a cookie attribute problem; Domain is this, Secure or SameSite is cookie-secure-over-http. A cookie that arrives but is refused is expired-session (session_expired) or session_unknown.",
		},
		Sources: []string{SeedChecklist, SeedGuide},
		Params:  []Param{{Name: "domain", Default: "auth.authchaos.example", Help: "Domain attribute of the session cookie (a domain the API host is not in)", Kind: StringParam}},
		Install: func(env fault.Env, p Params) error {
			d := strings.TrimSpace(p["domain"])
			if d == "" || strings.ContainsAny(d, " ;,/") {
				return fmt.Errorf("domain %q is not a cookie domain", p["domain"])
			}
			env.Knobs().CookieDomain = d
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthSession,
			Steps:  []Step{Get("/api/me")},
			Expect: Expect{Status: 401, ErrorNames: []string{"cookie", "domain"}},
		},
	})
}

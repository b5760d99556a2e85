package scenarios

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "redirect-strips-auth",
		Title:    "Redirect to another origin",
		Category: "network",
		Recovery: NoLeak,
		Summary:  "`/api/items` redirects (307) to another host name, `/api/export` to another port, `/api/me` to itself; the other origins record what arrives",
		Explain: Explain{
			Symptom:   "After a redirect the call either fails with 401 (the header was dropped, correctly, and the new origin wanted it) or works while a credential silently went to a host it was never meant for.",
			Cause:     "Moves to a CDN, a new domain or an HTTPS front end answer with 301/302/307/308. Clients that copy Authorization, cookies or API keys onto every hop leak them to whoever the Location names.",
			UserFix:   "Follow redirects, but send credentials only to the origin (scheme, host and port) they were issued for; same-origin redirects keep them. If the new origin then wants a credential, fail with an error rather than forwarding one.",
			OwnerFix:  "Avoid redirecting authenticated API calls across origins; where you must, make the target authenticate on its own. Ensure HTTPS redirects do not drop headers the API needs on the same origin.",
			TellApart: "Look at the journal: a credential fingerprint on the other origin's entries is a leak; a 401 after a same-origin redirect means the client dropped too much.",
		},
		Sources: []string{SeedChecklist},
		Install: func(env fault.Env, p Params) error {
			o := env.Origins()
			targets := map[string]string{
				"/api/items":  o.CrossHost + "/mirror/items",
				"/api/export": o.OtherPort + "/mirror/export",
				"/api/me":     "/api/me?moved=1",
			}
			env.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					to, ok := targets[r.URL.Path]
					if !ok || r.URL.Query().Get("moved") != "" {
						next.ServeHTTP(w, r)
						return
					}
					fault.Redirect(w, r, to, http.StatusTemporaryRedirect, journal.Redirect)
				})
			})
			return nil
		},
		Workload: Workload{
			Auth: adapter.AuthOAuth2ClientCredentials,
			// Refusing to follow a redirect off the origin leaks nothing:
			// only the same-origin redirect must succeed.
			Steps:  []Step{Get("/api/me"), MayFail(Get("/api/items")), MayFail(Get("/api/export"))},
			Expect: Expect{Status: 200},
		},
	})
}

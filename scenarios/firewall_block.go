package scenarios

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "firewall-block",
		Title:    "Network firewall answers 401",
		Category: "network",
		Recovery: FailFast,
		Summary:  "a network filter answers every call to `path` with 401 and a plain-text denial, persistently",
		Explain: Explain{
			Symptom:   "One route always answers 401 with a short plain-text 'Access denied by network policy' and no `WWW-Authenticate`, whatever credential is sent, while other routes work.",
			Cause:     "A corporate or perimeter firewall, or a proxy's URL filter, blocks the route and is set to answer 401. The request never reached the API.",
			UserFix:   "Fail fast with an error that quotes the denial; at most one extra attempt. New tokens do not help: the block is on the network path. Try from another network, or ask the network administrator.",
			OwnerFix:  "Check firewall and proxy rules for the route; answer blocks with 403 and a body that names the policy, so clients and users can tell it from a credential problem.",
			TellApart: "Persistent, no Retry-After, plain text, no challenge: firewall-block. HTML with Retry-After that clears: waf-block. JSON with `WWW-Authenticate`: the API itself.",
		},
		Sources: []string{SeedCauses, SeedChecklist},
		Params:  []Param{{Name: "path", Default: "/api/items", Help: "route the firewall blocks", Kind: StringParam}},
		Install: func(env fault.Env, p Params) error {
			path := p["path"]
			env.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path != path {
						next.ServeHTTP(w, r)
						return
					}
					w.Header().Set("X-Blocked-By", "perimeter-firewall")
					fault.NoteOf(r).Origin = journal.Firewall
					fault.Respond(w, r, http.StatusUnauthorized, journal.FirewallBlock, "text/plain; charset=utf-8",
						"401 Unauthorized: Access denied by network policy (firewall rule 'block-api-items').\n")
				})
			})
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2ClientCredentials,
			Steps:  []Step{Get("/api/me"), Get("/api/items")},
			Expect: Expect{Status: 401, ErrorNames: []string{"firewall", "network policy", "access denied"}},
		},
	})
}

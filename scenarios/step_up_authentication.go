package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "step-up-authentication",
		Title:    "Step-up authentication",
		Category: "oauth",
		Recovery: StepUp,
		Summary:  "`path` needs a stronger (`acr=mfa`) or fresher (`max_age`) authentication than the token carries: 401 `insufficient_user_authentication` with `acr_values` or `max_age` (RFC 9470)",
		Explain: Explain{
			Symptom:   "A valid token works on most routes, but a sensitive one answers 401 `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\", acr_values=\"mfa\"` (or `max_age=300`): the token is not expired, and refreshing it changes nothing.",
			Cause:     "The resource server wants to know how and when the user authenticated, not just that they did: a payment needs a second factor, account settings a recent login. RFC 9470 lets it say so in the challenge; the token's `acr` and `auth_time` claims carry the answer.",
			UserFix:   "Read `acr_values` and `max_age` from the challenge, authenticate the user again as they say (a second factor for `acr_values=mfa`, a fresh login for `max_age`), get a new token from that authentication, retry once. A refresh keeps the old authentication and will be refused again.",
			OwnerFix:  "Answer with 401 and the RFC 9470 parameters, issue `acr` and `auth_time` in tokens, and honour `acr_values`/`max_age` at the authorization endpoint (and here at the password grant with an `otp`).",
			TellApart: "`insufficient_user_authentication` is 401 and names how to authenticate; `insufficient_scope` is 403 and names scopes (scope-mismatch); `invalid_token` needs a new token of any kind (expired-token); mfa-required refuses the login itself.",
		},
		Sources: []string{SeedChecklist},
		Params: []Param{
			{Name: "path", Default: "/api/items", Help: "route that needs the stronger authentication", Kind: StringParam},
			{Name: "require", Default: "acr", Help: "what the route asks for: acr (acr_values=mfa, a second factor) or max_age (an authentication at most max-age old)", Kind: EnumParam, Values: []string{"acr", "max_age"}},
			{Name: "max-age", Default: "5m", Help: "with require=max_age, how old the authentication may be", Kind: DurationParam, Min: "1s", Max: "12h"},
		},
		Install: func(env fault.Env, p Params) error {
			need := &fault.StepUp{Path: p["path"], ACR: "mfa"}
			if p["require"] == "max_age" {
				need = &fault.StepUp{Path: p["path"], MaxAge: p.Duration("max-age")}
				// The token outlives the authentication it came from.
				env.Knobs().AccessTTL = 4 * p.Duration("max-age")
			}
			env.Knobs().StepUp = need
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2Password,
			OTP:    true,
			Steps:  []Step{Get("/api/me"), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt: func(w *Workload, p Params) {
			if p["require"] == "max_age" {
				// Authenticated once, then the authentication ages past
				// max-age while the token lives on.
				w.Steps = []Step{Get(p["path"]), Advance(p.Duration("max-age") + p.Duration("max-age")/2), Get(p["path"])}
				return
			}
			w.Steps = []Step{Get("/api/me"), Get(p["path"])}
		},
		Variants: []Variant{{Params: map[string]string{"require": "max_age"}, Why: "the route wants a recent login (max_age=300): the token is valid, its auth_time too old; a refresh keeps the old auth_time"}},
	})
}

package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "expired-token",
		Title:    "Access token expired",
		Category: "tokens",
		Recovery: Refresh,
		Summary:  "access tokens live `lifetime`; once the virtual clock passes it the API answers 401 `invalid_token`",
		Explain: Explain{
			Symptom:   "Calls that worked a minute ago get 401 with `WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"token expired at ...\"`.",
			Cause:     "Access tokens are short-lived on purpose. A long-running job, a laptop waking from sleep or a token cached in a script outlives the token's exp.",
			UserFix:   "On invalid_token, get a new access token once (refresh_token grant, or a new client_credentials grant), retry the call once, and give up with a clear error if the retry fails too. Never refresh in a loop.",
			OwnerFix:  "Return RFC 6750 invalid_token with a description that says 'expired', document token lifetimes, and issue refresh tokens so clients can recover without a password.",
			TellApart: "invalid_token + 'expired' is this; insufficient_scope (403) is scope-mismatch; a 401 from an HTML page is a WAF or portal, not your token; 'not valid before' means clock-skew.",
		},
		Sources: []string{SeedGuide, SeedCauses, SeedChecklist},
		Params:  []Param{{Name: "lifetime", Default: "5m", Help: "access token lifetime", Kind: DurationParam, Min: "1s", Max: "24h"}},
		Install: func(env fault.Env, p Params) error {
			env.Knobs().AccessTTL = p.Duration("lifetime")
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2Password,
			Steps:  []Step{Get("/api/items"), Advance(6 * minute), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt:    PastLifetime("lifetime"),
		Variants: []Variant{{Params: map[string]string{"lifetime": "1h"}, Why: "a long-lived token: the clock moves past an hour, not five minutes"}},
	})
}

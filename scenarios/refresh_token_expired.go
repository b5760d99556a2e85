package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "refresh-token-expired",
		Title:    "Refresh token expired",
		Category: "tokens",
		Recovery: Relogin,
		Summary:  "refresh tokens live `lifetime`; past it the refresh grant answers 400 `invalid_grant` with reason `refresh_token_expired`, and only a new login helps",
		Explain: Explain{
			Symptom:   "After a long pause (overnight, a suspended laptop, a weekly cron job) the API answers 401 invalid_token as usual, but the refresh that normally fixes it answers 400 `{\"error\":\"invalid_grant\",\"error_description\":\"refresh token expired at ...\"}`.",
			Cause:     "Refresh tokens have a lifetime too, absolute or idle, set by policy so that a stolen one does not last forever. Once the access token and the refresh token have both run out, the grant is over: the refresh grant has nothing to extend.",
			UserFix:   "On invalid_grant from the refresh grant, drop both tokens and authenticate again with the primary credentials (password, client credentials, or send the user to log in), then retry the call once. Never retry the dead refresh token, and do not loop if the new login fails.",
			OwnerFix:  "Document refresh-token lifetimes (absolute and idle), answer invalid_grant with a description that says 'expired', and prefer sliding refresh lifetimes for interactive clients so active users are not thrown out.",
			TellApart: "invalid_grant on the refresh with 'expired' is this; 'already used' is refresh-token-rotation; 'revoked' after a password change is password-changed; an invalid_token from the API alone, with a refresh that works, is expired-token.",
		},
		Sources: []string{SeedGuide, SeedCauses, SeedChecklist},
		Params:  []Param{{Name: "lifetime", Default: "30m", Help: "refresh token lifetime", Kind: DurationParam, Min: "1s", Max: "720h"}},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			pinAccessTTL(k)
			k.RefreshTTL = p.Duration("lifetime")
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2Password,
			Steps:  []Step{Get("/api/items"), Advance(31 * minute), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt:    PastLifetime("lifetime"),
		Variants: []Variant{{Params: map[string]string{"lifetime": "24h"}, Why: "a day-long refresh token"}},
	})
}

package scenarios

import (
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "device-code-expired",
		Title:    "Device code expires before approval",
		Category: "oauth",
		Recovery: Poll,
		Summary:  "device authorization (RFC 8628) whose code lives `ttl`; nobody approves it, and once it expires the token endpoint answers 400 `expired_token`",
		Explain: Explain{
			Symptom:   "The device polls, gets `authorization_pending` until `expires_in` passes, then 400 `{\"error\":\"expired_token\"}`; a client that keeps polling gets `expired_token` forever, one that silently starts over shows the user a new code they never asked for.",
			Cause:     "The user walked away, typed the code too late, or the code's lifetime (`expires_in`) is shorter than it takes to find a phone. RFC 8628 §3.5: `expired_token` ends this authorization for good.",
			UserFix:   "Stop polling at once on `expired_token` (or when `expires_in` has passed) and hand the caller an error that says the code expired, so the app can offer to start over; do not loop.",
			OwnerFix:  "Give codes a lifetime users can meet (RFC 8628 suggests minutes, not seconds) and say `expired_token`, not `invalid_grant`, when one runs out.",
			TellApart: "`expired_token` is final; `authorization_pending` and `slow_down` are not (device-flow). `invalid_grant` names a code the server never issued or already exchanged.",
		},
		Sources: []string{SeedChecklist},
		Params: []Param{
			{Name: "ttl", Default: "2s", Help: "how long the device code lives (whole seconds)", Kind: DurationParam, Min: "1s", Max: "1h"},
		},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			k.DeviceCodeTTL = p.Duration("ttl").Truncate(time.Second)
			k.DeviceInterval = time.Second
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2DeviceCode,
			Steps:  []Step{Get("/api/items")},
			Expect: Expect{Status: 400, ErrorNames: []string{"expired_token", "expired"}},
		},
	})
}

package scenarios

import (
	"fmt"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "clock-skew",
		Title:    "Clocks disagree about nbf and exp",
		Category: "tokens",
		Recovery: Refresh,
		Summary:  "the API judges `nbf`/`exp` by a clock `skew` ahead of the issuer's (`direction=behind`: behind it), so tokens die early at the API (or are not yet valid when fresh)",
		Explain: Explain{
			Symptom:   "A token the client got two minutes ago, with expires_in=300, gets 401 `invalid_token` 'token expired at 10:05 (server time 10:06)' while the client's own clock says 10:02. With the clock behind instead, a token fresh from the token endpoint gets 'token is not valid before ...'.",
			Cause:     "The API host and the issuer (or the client's device) do not agree on the time: no NTP on a VM, a container host that drifted, a laptop set by hand, a phone with the wrong time zone. JWT nbf and exp are absolute times, so every minute of drift cuts straight into the token's lifetime.",
			UserFix:   "Trust the server's invalid_token over your own reading of exp: refresh once and retry once. Compute expiry from expires_in on your own clock rather than comparing exp with it, and refresh a little early. If even a fresh token is 'not valid before', refreshing will not help: fail with an error that says the clocks disagree. Sync your device time.",
			OwnerFix:  "Run NTP everywhere, allow a small leeway (a minute or two) when checking nbf and exp, and put the server time in the error description so the drift is visible, as this server does.",
			TellApart: "token_expired with a server time minutes ahead of yours is this; token_expired after the real lifetime is expired-token; token_not_yet_valid on a fresh token is this scenario with the API behind; token_revoked is revoked-token.",
		},
		Sources: []string{SeedChecklist},
		Params: []Param{
			{Name: "skew", Default: "4m", Help: "how far the API's clock is off (access tokens live 5m unless another scenario sets it)", Kind: DurationParam, Min: "1s", Max: "24h"},
			{Name: "direction", Default: "ahead", Help: "ahead: tokens expire early at the API; behind: fresh tokens are not yet valid", Kind: EnumParam, Values: []string{"ahead", "behind"}},
		},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			pinAccessTTL(k)
			switch skew := p.Duration("skew"); p["direction"] {
			case "ahead":
				k.Skew = skew
			case "behind":
				k.Skew = -skew
			default:
				return fmt.Errorf("direction %q is not valid (valid: ahead, behind)", p["direction"])
			}
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2Password,
			Steps:  []Step{Get("/api/items"), Advance(2 * minute), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt: func(w *Workload, p Params) {
			if p["direction"] != "behind" {
				return
			}
			// Every fresh token is not yet valid at the API: one call,
			// one refresh at most, then an error that says so.
			w.Steps = []Step{Get("/api/items")}
			w.Expect = Expect{Status: 401, ErrorNames: []string{string(journal.TokenNotYetValid), "not valid before", "not yet valid", "clock"}}
		},
		Variants: []Variant{
			{Params: map[string]string{"direction": "behind"}, Why: "the API's clock is behind: a fresh token is not yet valid, and a refresh cannot help"},
			{Params: map[string]string{"skew": "90s"}, Why: "a smaller drift"},
		},
	})
}

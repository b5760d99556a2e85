package scenarios

import (
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "device-flow",
		Title:    "Device flow: pending, slow down, approval",
		Category: "oauth",
		Recovery: Poll,
		Summary:  "device authorization (RFC 8628) with an `interval` of `interval`: the token endpoint answers `authorization_pending`, then `slow_down` (the interval grows by 5 s), then the user approves (or, with `outcome=denied`, denies: `access_denied`)",
		Explain: Explain{
			Symptom:   "A TV app or a CLI shows a code and polls the token endpoint, which answers 400 `authorization_pending` for a while, once 400 `slow_down`, and then a token; a client that polls faster than it is told gets `slow_down` again and again, and one that treats every 400 as fatal gives up while the user is still typing the code.",
			Cause:     "The device authorization grant (RFC 8628) has no redirect: the device polls while the user approves elsewhere. The server paces the polling: `interval` in the authorization response, and `slow_down` when it is busy or the device polls too often, after which the device must wait 5 s longer for every later poll (§3.5).",
			UserFix:   "Poll no more often than `interval` (5 s when absent); on `authorization_pending` keep polling; on `slow_down` add 5 s to the interval for good; on `access_denied` or `expired_token` stop at once with an error that says so; never poll past `expires_in`.",
			OwnerFix:  "Send `interval` and `expires_in`, answer `slow_down` instead of rate-limiting with 429 or 401, and keep the device code usable until it expires.",
			TellApart: "`authorization_pending` and `slow_down` are not failures: the user is not done yet. `expired_token` ends the flow (device-code-expired); `access_denied` means the user said no. A 401 `invalid_client` at the device endpoint is client-mismatch.",
		},
		Sources: []string{SeedChecklist},
		Params: []Param{
			{Name: "interval", Default: "1s", Help: "the polling interval the server asks for (whole seconds)", Kind: DurationParam, Min: "1s", Max: "30s"},
			{Name: "outcome", Default: "approved", Help: "what the user does after the slow_down: approved, or denied", Kind: EnumParam, Values: []string{"approved", "denied"}},
		},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			k.DeviceInterval = p.Duration("interval").Truncate(time.Second)
			k.DeviceCodeTTL = 10 * time.Minute
			// Poll 1: pending; poll 2: slow_down; the user decides before poll 3.
			k.DeviceSlowDownAt = 2
			if p["outcome"] == "denied" {
				k.DeviceDenyAt = 3
			} else {
				k.DeviceApproveAt = 3
			}
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2DeviceCode,
			Steps:  []Step{Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt: func(w *Workload, p Params) {
			if p["outcome"] == "denied" {
				w.Expect = Expect{Status: 400, ErrorNames: []string{"access_denied", "denied"}}
			}
		},
		Variants: []Variant{{Params: map[string]string{"outcome": "denied"}, Why: "the user says no: the client stops at once with an error naming access_denied"}},
	})
}

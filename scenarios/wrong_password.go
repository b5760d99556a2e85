package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "wrong-password",
		Title:    "Wrong password, then lock-out",
		Category: "credentials",
		Recovery: FailFast,
		Summary:  "the client is given a mistyped password; each login answers 401 `wrong_password` counting the attempts, and failure number `threshold` locks the account (`account_locked`, even for the right password)",
		Explain: Explain{
			Symptom:   "The login answers 401 `WWW-Authenticate: Session realm=\"authchaos\", error=\"wrong_password\"` with `username or password is wrong (1 of 3 attempts before lock-out)` (the password grant answers 400 invalid_grant). Attempt number three answers account_locked, and from then on the right password gets account_locked too.",
			Cause:     "The password in the client's configuration is wrong: a typo (`wonderIand` with a capital I), a stale entry in a password manager or CI secret, a value from another environment. Servers count failures to slow down guessing and lock the account once the count reaches a threshold.",
			UserFix:   "Fail fast on wrong_password and say so; never resend the same password, never cycle through other stored passwords. Every automatic retry spends one of the few attempts and ends in a lock-out that also shuts out the real user. Ask the user for the password again, or reset it.",
			OwnerFix:  "Say how many attempts remain, lock temporarily (or throttle) rather than for good, say how to unlock, and use one message for unknown users and wrong passwords so the login cannot be used to find accounts.",
			TellApart: "wrong_password on the very first login is this; logins that worked until sessions and refresh tokens died at once is password-changed; account_locked from the start means someone else already spent the attempts; mfa_required or otp_* is the second factor (mfa-required); invalid_client is the OAuth client's secret, not the user's (client-mismatch).",
		},
		Sources: []string{SeedGuide, SeedCauses, SeedChecklist},
		Params: []Param{
			{Name: "threshold", Default: "3", Help: "failed logins that lock the account (0 never locks)", Kind: IntParam, Min: "0", Max: "100"},
			{Name: "via", Default: "login", Help: "login: a session login; password-grant: the OAuth password grant, which counts toward the same lock-out (judged by the suites; the server takes both)", Kind: EnumParam, Values: []string{"login", "password-grant"}},
		},
		Install: func(env fault.Env, p Params) error {
			env.Knobs().LockoutAfter = p.Int("threshold")
			return nil
		},
		Workload: Workload{
			Auth:     adapter.AuthSession,
			Password: "wonderIand", // a capital I for the l
			Steps:    []Step{Get("/api/me")},
			// The login fails before the call is sent: no answer to the
			// call, so the client reports status 0 and the login's reason.
			Expect: Expect{Status: 0, ErrorNames: []string{"wrong_password", "password"}},
		},
		Adapt: func(w *Workload, p Params) {
			if p["via"] == "password-grant" {
				w.Auth = adapter.AuthOAuth2Password
				w.Expect.ErrorNames = append(w.Expect.ErrorNames, "invalid_grant")
			}
		},
		Variants: []Variant{
			{Params: map[string]string{"via": "password-grant"}, Why: "the password grant: retrying it locks the account just the same"},
			{Params: map[string]string{"threshold": "1"}, Why: "the account locks on the first failure: not even one retry is safe"},
		},
	})
}

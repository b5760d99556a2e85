package scenarios

import (
	"fmt"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "device-limit",
		Title:    "Too many active sessions",
		Category: "sessions",
		Recovery: FailFast,
		Summary:  "alice already has `limit` live sessions on other devices and may have no more; the login answers 401 `device_limit` naming the count",
		Explain: Explain{
			Symptom:   "The right password gets 401 `WWW-Authenticate: Session realm=\"authchaos\", error=\"device_limit\"` with `alice already has 2 active sessions (limit 2)`. It works again once a session elsewhere ends or expires.",
			Cause:     "The service caps concurrent sessions per account (streaming plans, licensed seats, banking apps), and the other devices (a phone, a second browser, a CI job that logs in on every run and never logs out) hold every slot.",
			UserFix:   "Fail fast and say the account is at its device limit; logging in again and again only hits the same cap. Sign out on another device (or end sessions in the account settings), and make clients log out when done instead of leaving sessions to expire.",
			OwnerFix:  "Name the limit and the count in the refusal, list the active sessions with a way to end them, consider ending the oldest session instead of refusing the newest, and keep session lifetimes short enough that abandoned sessions free their slots.",
			TellApart: "device_limit comes from the login with the right password: this. wrong_password is the password (wrong-password); mfa_required is the second factor (mfa-required); a session that worked and then answers 401 is expired-session or session-network-change.",
		},
		Sources: []string{SeedChecklist},
		Params:  []Param{{Name: "limit", Default: "2", Help: "live sessions allowed per user, all already taken by other devices", Kind: IntParam, Min: "1", Max: "100"}},
		Install: func(env fault.Env, p Params) error {
			limit, user := p.Int("limit"), env.Account().User
			env.Knobs().SessionLimit = limit
			for i := range limit {
				if err := env.OpenSession(user); err != nil {
					return fmt.Errorf("open session %d of %d on another device: %w", i+1, limit, err)
				}
			}
			return nil
		},
		Workload: Workload{
			Auth:  adapter.AuthSession,
			Steps: []Step{Get("/api/me")},
			// The login fails before the call is sent: status 0.
			Expect: Expect{Status: 0, ErrorNames: []string{"device_limit", "device", "sessions"}},
		},
	})
}

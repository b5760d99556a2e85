package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "expired-session",
		Title:    "Session cookie expired",
		Category: "sessions",
		Recovery: Relogin,
		Summary:  "sessions live `lifetime`; after the virtual clock passes it the cookie gets 401 `session_expired`",
		Explain: Explain{
			Symptom:   "A logged-in client suddenly gets 401 with `WWW-Authenticate: Session realm=...` and reason session_expired, although it still sends its cookie.",
			Cause:     "Server-side sessions time out after inactivity or an absolute lifetime; the cookie outlives the session it names.",
			UserFix:   "Log in again with the primary credentials, retry the call once. Do not retry with the dead cookie; do not loop if the new login fails.",
			OwnerFix:  "Set clear session timeouts, return 401 with a reason that says the session expired, and give users a one-click re-login.",
			TellApart: "session_expired names a cookie that existed; session_unknown means the server never had it (or forgot it on a restart); missing_credentials means no cookie arrived at all (see cookie-domain-mismatch).",
		},
		Sources: []string{SeedGuide, SeedChecklist},
		Params:  []Param{{Name: "lifetime", Default: "15m", Help: "session lifetime", Kind: DurationParam, Min: "1s", Max: "24h"}},
		Install: func(env fault.Env, p Params) error {
			env.Knobs().SessionTTL = p.Duration("lifetime")
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthSession,
			Steps:  []Step{Get("/api/me"), Advance(20 * minute), Get("/api/me")},
			Expect: Expect{Status: 200},
		},
		Adapt:    PastLifetime("lifetime"),
		Variants: []Variant{{Params: map[string]string{"lifetime": "8h"}, Why: "a working-day session"}},
	})
}

package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "mfa-required",
		Title:    "Login needs a one-time code that expires",
		Category: "sessions",
		Recovery: Relogin,
		Summary:  "logins need a one-time code (TOTP windows of `lifetime` on the virtual clock, read from `GET /__admin/otp`); no code answers 401 `mfa_required`, last window's code `otp_expired`, a wrong one `otp_invalid`; sessions live `session_lifetime`",
		Explain: Explain{
			Symptom:   "The login answers 401 `WWW-Authenticate: Session realm=\"authchaos\", error=\"mfa_required\"` with `\"otp_required\": true` although the password is right; a code typed a little late answers otp_expired, a mistyped one otp_invalid. When the session ends, the stored password alone no longer gets a new one.",
			Cause:     "The account has two-factor authentication: a login needs the code the user's authenticator shows now. TOTP codes (RFC 6238) change every window (30 seconds by default), and the server accepts only the current one; a client that saved the code from the first login, or waits too long, sends a dead one.",
			UserFix:   "On mfa_required, read a fresh code (here the otp_url, for a user the phone) and log in again at once with password and code; on otp_expired read a newer code and try once more. Never store or reuse a code; never retry a wrong code in a loop.",
			OwnerFix:  "Say mfa_required (with otp_required) rather than a bare 401, tell otp_expired from otp_invalid, accept one window of drift if users are slow, and give machine clients a credential without a second factor (client credentials, API keys).",
			TellApart: "mfa_required / otp_expired / otp_invalid come from the login, with the right password: this. wrong_password is the first factor (wrong-password); session_expired on the API is the session ending (expired-session), which here leads to a login that needs a fresh code; device_limit is the login refused for too many sessions (device-limit).",
		},
		Sources: []string{SeedChecklist},
		Params: []Param{
			{Name: "lifetime", Default: "30s", Help: "TOTP window: how long one code stays current", Kind: DurationParam, Min: "1s", Max: "1h"},
			{Name: "session_lifetime", Default: "10m", Help: "session lifetime, after which the client must log in (with a fresh code) again", Kind: DurationParam, Min: "1s", Max: "24h"},
		},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			k.RequireMFA = true
			k.OTPTTL = p.Duration("lifetime")
			k.SessionTTL = p.Duration("session_lifetime")
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthSession,
			OTP:    true,
			Steps:  []Step{Get("/api/me"), Advance(11 * minute), Get("/api/me")},
			Expect: Expect{Status: 200},
		},
		Adapt:    PastLifetime("session_lifetime"),
		Variants: []Variant{{Params: map[string]string{"session_lifetime": "1h", "lifetime": "60s"}, Why: "an hour-long session and a 60-second code window"}},
	})
}

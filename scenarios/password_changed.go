package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "password-changed",
		Title:    "Password changed elsewhere",
		Category: "credentials",
		Recovery: FailFast,
		Summary:  "after `after` successful calls the user's password changes elsewhere: sessions, refresh tokens and access tokens die, and the old password answers `wrong_password`",
		Explain: Explain{
			Symptom:   "A client that worked for hours gets 401 on the API (token_revoked for a token, session_unknown for a cookie); its refresh answers 400 invalid_grant `refresh token was revoked`, and logging in again with the password it holds answers wrong_password.",
			Cause:     "The user changed or reset the password in another place (a browser, a help desk, a security response after a leak). A password change ends every session and revokes every refresh token, so that whoever held the old credential is locked out; the client is one of them.",
			UserFix:   "Try one recovery (a refresh, or one login with the stored password), and when that answers invalid_grant or wrong_password, stop and ask the user for the new password. Retrying the old password only counts toward a lock-out.",
			OwnerFix:  "Revoke sessions and refresh tokens on a password change (as here), and say why in the refusal where you can (`the session ended because the password changed`), so clients and users know to ask for the new password instead of retrying.",
			TellApart: "Everything dies at once (access token, refresh token, session) and the stored password stops working: this. Only the access token dies: revoked-token or expired-token. Only the refresh grant fails: refresh-token-expired. The password never worked: wrong-password.",
		},
		Sources: []string{SeedChecklist, SeedCauses},
		Params:  []Param{{Name: "after", Default: "1", Help: "successful calls before the password changes", Kind: IntParam, Min: "0", Max: "10000"}},
		Install: func(env fault.Env, p Params) error {
			env.After(p.Int("after"), fault.ChangePassword)
			return nil
		},
		Workload: Workload{
			Auth:  adapter.AuthOAuth2Password,
			Steps: []Step{Get("/api/me"), Get("/api/items")},
			// The API answered the call (401); the recovery that follows
			// fails with invalid_grant.
			Expect: Expect{Status: 401, ErrorNames: []string{"invalid_grant", "wrong_password", "password", "refresh_token_revoked"}},
		},
		Adapt:    AfterCalls("after"),
		Variants: []Variant{{Params: map[string]string{"after": "3"}, Why: "the password changes after three calls"}},
	})
}

package scenarios

import (
	"fmt"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "stale-cached-credentials",
		Title:    "Client starts from a stored token the server no longer accepts",
		Category: "tokens",
		Recovery: Refresh,
		Summary:  "publishes a stored `access_token` and `refresh_token` for `user`; the access token is already dead (`kind`: revoked, or signed with a key rotated out of `/jwks`), the refresh token still works",
		Explain: Explain{
			Symptom:   "The very first call of a run gets 401 `invalid_token` (token_revoked, or unknown_signing_key after a key rotation) although nothing has happened yet in this process: the token came from a file, an environment variable, a CI secret, a Postman collection or a browser cache.",
			Cause:     "Credentials were cached outside the client's control and outlived their validity: a token pasted into a CI job or a script, a token store restored from a backup, a collection variable saved weeks ago. The server revoked it, or rotated the key that signed it, in the meantime.",
			UserFix:   "Treat a stored token as a hint, not a fact: on invalid_token refresh once with the stored refresh token (or authenticate again if that fails), retry once, and write the new tokens back to the store. Do not hardcode tokens in scripts or CI jobs; store credentials that can mint tokens instead.",
			OwnerFix:  "Keep access tokens short-lived so stale copies die fast, say why a token is refused (revoked, unknown key) in error_description, and offer machine credentials (client credentials, API keys) for CI jobs so nobody pastes user tokens.",
			TellApart: "It bites on the first call of a fresh process; revoked-token bites mid-run after calls that worked; bad-signature rotates the key mid-run; expired-token needs time to pass. The journal shows the stored credential's fingerprint on the first call with no token request before it.",
		},
		Sources: []string{SeedChecklist, SeedGuide, SeedCauses},
		Params: []Param{
			{Name: "kind", Default: "revoked", Help: "why the stored access token is dead: revoked, or rotated-key (signed with a key no longer in /jwks)", Kind: EnumParam, Values: []string{"revoked", "rotated-key"}},
			{Name: "user", Default: "", Help: "user the stored tokens belong to; empty: the first configured user, whom the suites configure the client as", Kind: StringParam},
		},
		Install: func(env fault.Env, p Params) error {
			kind := p["kind"]
			if kind != "revoked" && kind != "rotated-key" {
				return fmt.Errorf("kind %q is not valid (valid: revoked, rotated-key)", kind)
			}
			user := p["user"]
			if user == "" {
				user = env.Account().User
			}
			access, refresh, err := env.Mint(user, []string{"read"})
			if err != nil {
				return fmt.Errorf("mint the stored tokens: %w", err)
			}
			action := fault.RevokeAccessTokens
			if kind == "rotated-key" {
				action = fault.RotateSigningKey
			}
			if err := env.Do(action, ""); err != nil {
				return err
			}
			env.Fixture("access_token", access)
			env.Fixture("refresh_token", refresh)
			return nil
		},
		Workload: Workload{
			Auth:        adapter.AuthOAuth2Password,
			StoredToken: true,
			Steps:       []Step{Get("/api/items")},
			Expect:      Expect{Status: 200},
		},
	})
}

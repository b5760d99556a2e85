package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "revoked-token",
		Title:    "Access token revoked before it expires",
		Category: "tokens",
		Recovery: Refresh,
		Summary:  "after `after` successful API calls every live access token is revoked; it then gets 401 `invalid_token` with reason `token_revoked`, long before its `exp`",
		Explain: Explain{
			Symptom:   "A token that is minutes away from its exp suddenly gets 401 with `WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"the access token was revoked\"` and reason token_revoked. Decoding the JWT shows nothing wrong: exp is in the future.",
			Cause:     "Someone ended the grant early: a 'sign out everywhere', an administrator revoking tokens after an incident, an RFC 7009 revocation call from another component, or an API that checks tokens by introspection and was told they are dead. A self-contained JWT cannot say it was revoked; only the server knows.",
			UserFix:   "Treat invalid_token the same whatever exp says: get a new access token once (the refresh grant; if that is refused too, authenticate again), retry the call once, then give up with an error. Do not trust your own reading of exp over the server's answer.",
			OwnerFix:  "Say 'revoked' in error_description, not just 'invalid', keep access tokens short-lived so a revocation list stays small, and publish a revocation endpoint (RFC 7009) so clients can end their own grants on logout.",
			TellApart: "token_revoked comes before exp; token_expired (expired-token) comes after it; unknown_signing_key (bad-signature) names a key missing from /jwks; a revoked token the client loaded at start-up is stale-cached-credentials; if the refresh grant fails too, see password-changed or refresh-token-expired.",
		},
		Sources: []string{SeedCauses, SeedGuide},
		Params:  []Param{{Name: "after", Default: "1", Help: "successful API calls before the access tokens are revoked", Kind: IntParam, Min: "0", Max: "10000"}},
		Install: func(env fault.Env, p Params) error {
			env.After(p.Int("after"), fault.RevokeAccessTokens)
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2Password,
			Steps:  []Step{Get("/api/items"), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt:    AfterCalls("after"),
		Variants: []Variant{{Params: map[string]string{"after": "3"}, Why: "the revocation bites on the fourth call, not the second"}},
	})
}

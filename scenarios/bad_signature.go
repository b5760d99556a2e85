package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "bad-signature",
		Title:    "Signing key rotated",
		Category: "tokens",
		Recovery: Refresh,
		Summary:  "after `after` successful API calls the signing key rotates and the old `kid` leaves `/jwks`; tokens signed with it get 401 `invalid_token`, reason `unknown_signing_key`",
		Explain: Explain{
			Symptom:   "Every token issued before a certain moment gets 401 with `WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"token is signed with key '...', which is not in /jwks\"`, while exp is still in the future. Tokens issued afterwards work.",
			Cause:     "The issuer rotated its signing key (scheduled rotation, a compromised key, a redeploy that generated a new key, a staging key pasted into production) and stopped publishing the old one, so nothing signed with it verifies any more.",
			UserFix:   "Treat it as any invalid_token: get a new access token once (refresh grant), retry once, give up with an error if that fails. If you verify tokens yourself, refetch /jwks when you meet an unknown kid instead of caching it forever.",
			OwnerFix:  "Rotate with overlap: publish the new key before signing with it, keep the old one in JWKS until every token it signed has expired, and say 'unknown signing key' or 'bad signature' in error_description. Never share keys across environments.",
			TellApart: "unknown_signing_key names a kid missing from /jwks (this); bad_signature means the kid is known but the bytes were altered (malformed-credentials); token_expired is expired-token; token_revoked is revoked-token; wrong_issuer means a token from another environment.",
		},
		Sources: []string{SeedChecklist, SeedCauses},
		Params:  []Param{{Name: "after", Default: "1", Help: "successful API calls before the signing key rotates", Kind: IntParam, Min: "0", Max: "10000"}},
		Install: func(env fault.Env, p Params) error {
			env.After(p.Int("after"), fault.RotateSigningKey)
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2Password,
			Steps:  []Step{Get("/api/items"), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt:    AfterCalls("after"),
		Variants: []Variant{{Params: map[string]string{"after": "3"}, Why: "the key rotates after three calls"}},
	})
}

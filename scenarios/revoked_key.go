package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "revoked-key",
		Title:    "API key revoked mid-run",
		Category: "credentials",
		Recovery: FailFast,
		Summary:  "after `after` successful calls every API key is revoked; it then gets 401 `api_key_revoked`",
		Explain: Explain{
			Symptom:   "An integration that ran for hours starts getting 401 with `WWW-Authenticate: ApiKey error=\"invalid_key\"` and reason api_key_revoked on every call.",
			Cause:     "Someone rotated or revoked the key (a leak response, an offboarding, a billing lapse). Unlike a token, an API key has no refresh: it is gone for good.",
			UserFix:   "Fail fast with an error that says the key was revoked; at most one extra attempt. Retrying, or trying other stored keys in turn, only fills logs and may trip abuse detection.",
			OwnerFix:  "Say 'revoked' in the error, not just 'invalid', and notify the key's owner out of band before revoking where possible.",
			TellApart: "api_key_revoked names a key the server knew; invalid_api_key means it never knew it (another environment); 403 means the key is good but lacks permission.",
		},
		Sources: []string{SeedCauses, SeedChecklist},
		Params:  []Param{{Name: "after", Default: "1", Help: "successful calls before the key is revoked", Kind: IntParam, Min: "0", Max: "10000"}},
		Install: func(env fault.Env, p Params) error {
			env.After(p.Int("after"), fault.RevokeAPIKey)
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthAPIKey,
			Steps:  []Step{Get("/api/me"), Get("/api/items")},
			Expect: Expect{Status: 401, ErrorNames: []string{"revoked", "api_key_revoked", "invalid_key"}},
		},
		Adapt:    AfterCalls("after"),
		Variants: []Variant{{Params: map[string]string{"after": "3"}, Why: "the key is revoked after three calls"}},
	})
}

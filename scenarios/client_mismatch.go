package scenarios

import (
	"fmt"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "client-mismatch",
		Title:    "Client id and secret from another environment",
		Category: "oauth",
		Recovery: FailFast,
		Summary:  "hands the client `client_id`/`client_secret` fixtures from another environment (`kind`); the token endpoint answers 401 `invalid_client` with `WWW-Authenticate: Basic`",
		Explain: Explain{
			Symptom:   "The client never gets a token: the token endpoint answers 401 `{\"error\":\"invalid_client\",\"error_description\":\"client \\\"auth…\\\" (17 characters) is not registered here\"}` with `WWW-Authenticate: Basic realm=\"authchaos\", error=\"invalid_client\"`. No API call is ever made.",
			Cause:     "The client id and secret belong to another environment (staging credentials deployed to production, a .env file copied between projects), or the secret was rotated in the identity provider and the old one is still configured. Client registrations are per environment; nothing carries over.",
			UserFix:   "Fail fast with an error that names invalid_client and the client id in use. Retrying, or falling back to other grants, cannot help: the configuration is wrong. Check which environment the id and secret came from.",
			OwnerFix:  "Answer invalid_client per RFC 6749 §5.2 (401 with a Basic challenge, which §5.2 requires when the client used Basic) with a description that says whether the id is unknown or the secret is wrong, prefix client ids with their environment, and alert on bursts of invalid_client.",
			TellApart: "invalid_client comes from the token endpoint before any API call (this); invalid_grant is about the user or the refresh token (wrong-password, refresh-token-expired); invalid_api_key on the API is an API key from another environment; redirect_uri_mismatch is redirect-uri-mismatch.",
		},
		Sources: []string{SeedChecklist},
		Params: []Param{
			{Name: "kind", Default: "other-environment", Help: "other-environment: an id and secret this server never registered; wrong-secret: the right id with another environment's secret", Kind: EnumParam, Values: []string{"other-environment", "wrong-secret"}},
			{Name: "client_id", Default: "authchaos-staging", Help: "the foreign client id (other-environment)", Kind: StringParam},
		},
		Install: func(env fault.Env, p Params) error {
			switch p["kind"] {
			case "other-environment":
				env.Fixture("client_id", p["client_id"])
			case "wrong-secret":
				env.Fixture("client_id", env.Client().ID)
			default:
				return fmt.Errorf("kind %q is not valid (valid: other-environment, wrong-secret)", p["kind"])
			}
			env.Fixture("client_secret", "staging-0c4f9e2a7d31b8e5")
			return nil
		},
		Workload: Workload{
			Auth:  adapter.AuthOAuth2ClientCredentials,
			Steps: []Step{Get("/api/items")},
			// The call never reaches the API: a client that cannot get a
			// token gives up without an answer to the call, so it reports
			// status 0 and an error naming the token endpoint's refusal.
			Expect: Expect{Status: 0, ErrorNames: []string{"invalid_client", "not registered", "client secret"}},
		},
		Variants: []Variant{{Params: map[string]string{"kind": "wrong-secret"}, Why: "the right client id with another environment's secret"}},
	})
}

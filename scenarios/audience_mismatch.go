package scenarios

import (
	"fmt"
	"net/url"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "audience-mismatch",
		Title:    "Token for another resource",
		Category: "tokens",
		Recovery: Refresh,
		Summary:  "the client starts from a stored token whose `aud` names another resource (RFC 8707); the API answers 401 `invalid_token`, `audience_mismatch`",
		Explain: Explain{
			Symptom:   "A token that is signed, unexpired and not revoked is refused with 401 `WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"the token is for https://billing.example/api/, not for this API\"`.",
			Cause:     "The token was issued for another API: a client shares one token cache across services, copies a token between environments, or asked with the wrong `resource=` (RFC 8707). A resource server that checks `aud` (RFC 7519 §4.1.3, RFC 9068) refuses it, as it must, so that a token stolen from one API cannot be replayed at another.",
			UserFix:   "Treat it like any invalid_token: get a new token (a new grant; with resource indicators, ask with `resource=` set to this API) and retry once. Key the token cache by resource, not only by client.",
			OwnerFix:  "Check `aud` and say which audience you expect in `error_description`; publish your resource identifier in RFC 9728 metadata so clients can ask for it.",
			TellApart: "The token is otherwise valid: not expired (expired-token), not revoked (revoked-token), signed with a current key (bad-signature). Only the description names the audience; the recovery is the same new token.",
		},
		Sources: []string{SeedChecklist},
		Params: []Param{
			{Name: "audience", Default: "https://billing.example/api/", Help: "the resource the stored token was issued for", Kind: StringParam},
		},
		Install: func(env fault.Env, p Params) error {
			if u, err := url.Parse(p["audience"]); err != nil || !u.IsAbs() || u.Fragment != "" {
				return fmt.Errorf("audience %q must be an absolute URI without a fragment (RFC 8707 §2)", p["audience"])
			}
			access, _, err := env.MintFor(fault.Mint{Scopes: []string{"read"}, Resources: []string{p["audience"]}})
			if err != nil {
				return fmt.Errorf("mint the stored token: %w", err)
			}
			env.Fixture("access_token", access)
			return nil
		},
		Workload: Workload{
			Auth:        adapter.AuthOAuth2ClientCredentials,
			StoredToken: true,
			Steps:       []Step{Get("/api/items")},
			Expect:      Expect{Status: 200},
		},
	})
}

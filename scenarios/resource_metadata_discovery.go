package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "resource-metadata-discovery",
		Title:    "Find the authorization server from the 401",
		Category: "oauth",
		Recovery: Discover,
		Summary:  "the client holds only the API's URL and client credentials; the API's 401 names `resource_metadata` (RFC 9728), which names the authorization server (RFC 8414); the API takes only tokens issued for it (RFC 8707 `aud`)",
		Explain: Explain{
			Symptom:   "The first call, without a token, answers 401 `WWW-Authenticate: Bearer realm=\"authchaos\", resource_metadata=\"http://…/.well-known/oauth-protected-resource/api/\"`; a client configured with no token URL stops there, and one that gets a token without `resource=` is refused with `invalid_token`, audience.",
			Cause:     "Clients that meet APIs at run time (MCP clients above all: the MCP authorization spec makes this flow mandatory) are not configured with an authorization server. The API says where to look: its protected resource metadata lists `authorization_servers`; their RFC 8414 metadata gives the token endpoint; the token must name the API as its resource so it cannot be replayed elsewhere.",
			UserFix:   "On a 401 with `resource_metadata`, fetch it (same origin as the API), check its `resource` is the API you called, fetch `/.well-known/oauth-authorization-server` of an authorization server it names and check `issuer`, ask its `token_endpoint` for a token with `resource=<resource>`, retry once. Cache what you discovered; do it once, not per call.",
			OwnerFix:  "Name `resource_metadata` in every 401 (RFC 9728 §5.1), serve the metadata with `resource` and `authorization_servers`, check `aud` in tokens, and publish RFC 8414 metadata at the issuer.",
			TellApart: "A 401 without a token is missing-credentials for a configured client; here the client has nothing configured but the API. An audience refusal after discovery means the token was asked for without `resource=` (audience-mismatch).",
		},
		Sources: []string{SeedChecklist, SeedGuide},
		Install: func(env fault.Env, _ Params) error {
			env.Knobs().RequireResource = true
			return nil
		},
		Workload: Workload{
			Auth:     adapter.AuthOAuth2ClientCredentials,
			Discover: true,
			Steps:    []Step{Get("/api/items"), Get("/api/me")},
			Expect:   Expect{Status: 200},
		},
	})
}

package scenarios

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "malformed-credentials",
		Title:    "Credential in the wrong form",
		Category: "credentials",
		Recovery: FailFast,
		Summary:  "the fixtures hold a credential the server cannot read (`kind`: the scheme twice, a JWT in padded base64, a JWT cut short); the API answers 401 (400 for Bearer) `malformed_credentials` saying which rule failed",
		Explain: Explain{
			Symptom:   "Every call answers the same way, however often it is retried: 401 `WWW-Authenticate: ApiKey realm=\"authchaos\", error=\"invalid_request\", error_description=\"malformed ApiKey credentials: the scheme appears twice ...\"` with reason malformed_credentials (400 invalid_request for a Bearer header, as RFC 6750 §3.1 says). A JWT cut short gets 401 invalid_token `token is not a JWT: want 3 dot-separated parts, got 2`.",
			Cause:     "The credential was stored or assembled wrongly, so the server cannot even read it. A dashboard shows `ApiKey ak_...` and the whole string goes into the config, then the client adds the scheme again; a hand-written JWT encoder pads its base64 (RFC 7515 wants base64url without `=`); a token kept in a VARCHAR(255) column or a cookie-sized store loses its tail.",
			UserFix:   "Fail fast and show the server's error_description: a request built the same way fails the same way, and a refresh or a new login builds it the same way again. Then fix how the header is built: keep the bare secret, add the scheme once, encode JWT parts as unpadded base64url, store tokens in unbounded text, and check the form (three parts for a JWT) before sending.",
			OwnerFix:  "Parse Authorization strictly and name the rule that failed (scheme, encoding, number of JWT parts) in error_description; answer a malformed Bearer request with 400 invalid_request; show keys in dashboards without the scheme, or copy exactly the header value the docs ask for.",
			TellApart: "malformed_credentials (or malformed_token) is about form: the server could not read the credential at all. A readable credential it refuses is another story: invalid_api_key (client-mismatch) or api_key_revoked (revoked-key), invalid_token for an expired or mis-signed token (expired-token, bad-signature), wrong_scheme for a readable credential of another kind (wrong-scheme).",
		},
		Sources: []string{SeedCauses, SeedGuide, SeedChecklist},
		Params: []Param{{Name: "kind", Default: "double-prefix",
			Help: "what the fixtures hold: double-prefix (api_key already carrying \"ApiKey \"), bad-base64 (access_token whose JWT parts are padded base64), truncated-jwt (access_token cut at 255 characters, no refresh token)", Kind: EnumParam, Values: []string{"double-prefix", "bad-base64", "truncated-jwt"}}},
		Install: func(env fault.Env, p Params) error {
			account := env.Account()
			switch p["kind"] {
			case "double-prefix":
				if account.APIKey == "" {
					return errors.New("kind double-prefix spoils the first configured API key, and none is configured")
				}
				env.Fixture("api_key", "ApiKey "+account.APIKey)
				return nil
			case "bad-base64", "truncated-jwt":
			default:
				return fmt.Errorf("kind %q is not valid (valid: double-prefix, bad-base64, truncated-jwt)", p["kind"])
			}
			access, _, err := env.Mint(account.User, []string{"read"})
			if err != nil {
				return fmt.Errorf("mint the token to spoil: %w", err)
			}
			if p["kind"] == "truncated-jwt" {
				env.Fixture("access_token", access[:min(len(access), 255)])
				return nil
			}
			padded, err := paddedJWT(access)
			if err != nil {
				return err
			}
			env.Fixture("access_token", padded)
			return nil
		},
		// The suites run the default kind: an API key has no renewal, so
		// failing fast is the only correct answer.
		Workload: Workload{
			Auth:   adapter.AuthAPIKey,
			Steps:  []Step{Get("/api/me")},
			Expect: Expect{Status: 401, ErrorNames: []string{"malformed_credentials", "malformed", "invalid_request"}},
		},
		Adapt: func(w *Workload, p Params) {
			if p["kind"] == "double-prefix" {
				return
			}
			// A stored access token the server cannot read, and nothing to
			// renew it with: no refresh token, no password.
			w.Auth = adapter.AuthOAuth2Password
			w.StoredToken = true
			w.Omit = []string{"username", "password", "refresh_token"}
			w.Expect.ErrorNames = []string{string(journal.MalformedCredentials), string(journal.MalformedToken), "malformed", "invalid_request", "not a JWT", "base64"}
		},
		Variants: []Variant{
			{Params: map[string]string{"kind": "bad-base64"}, Why: "a stored Bearer token in padded base64 (400 invalid_request)"},
			{Params: map[string]string{"kind": "truncated-jwt"}, Why: "a stored Bearer token cut at 255 characters (401 invalid_token)"},
		},
	})
}

// paddedJWT re-encodes each part of a compact JWT as padded standard
// base64, as a hand-written encoder does. The ES256 header is 52 bytes, so
// its padding always lands inside the token, where RFC 6750's b64token
// does not allow it.
func paddedJWT(jwt string) (string, error) {
	parts := strings.Split(jwt, ".")
	for i, part := range parts {
		raw, err := base64.RawURLEncoding.DecodeString(part)
		if err != nil {
			return "", fmt.Errorf("minted token part %d: %w", i+1, err)
		}
		parts[i] = base64.StdEncoding.EncodeToString(raw)
	}
	return strings.Join(parts, "."), nil
}

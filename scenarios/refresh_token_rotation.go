package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "refresh-token-rotation",
		Title:    "Refresh token rotation with reuse detection",
		Category: "tokens",
		Recovery: Refresh,
		Summary:  "every refresh returns a new refresh token and retires the old one; presenting a retired one answers `invalid_grant` `refresh_token_reused` and revokes the whole token family",
		Explain: Explain{
			Symptom:   "Refreshing works once or twice, then the refresh grant answers 400 `invalid_grant` 'refresh token was already used; the whole token family is revoked', and from then on even the newest refresh token is refused (refresh_token_revoked). It often starts when several calls hit an expired token at the same moment.",
			Cause:     "The server rotates refresh tokens (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP): each refresh returns a new one and retires the old. A retired token coming back means two parties hold it, maybe an attacker, so the server kills the whole family. A client that keeps the first refresh token, or lets two concurrent calls refresh with the same one, trips this itself.",
			UserFix:   "Store the refresh token from every token response, replacing the old one at once (persist it if you persist tokens). Refresh through a single flight: concurrent calls that hit an expired token wait for one refresh and share its result. If the family is revoked anyway, authenticate again.",
			OwnerFix:  "Rotate refresh tokens for public clients and detect reuse, but say so in the error ('already used; family revoked'), document that every response carries a new refresh token, and consider a short grace period for the immediately preceding token to forgive network retries.",
			TellApart: "refresh_token_reused means a retired token came back (this); refresh_token_expired is refresh-token-expired; refresh_token_revoked after a password change is password-changed; several token requests for one expiry without rotation is concurrent-expiry.",
		},
		Sources: []string{SeedChecklist, SeedGuide},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			pinAccessTTL(k)
			k.RotateRefresh = true
			// The concurrent calls after the third expiry: the 401s of the
			// first two expiries and the burst's first pass at once, two
			// more reach the client only once its refresh is answered, so
			// a client that refreshes again for a token it already
			// replaced does so every run, not when timing allows.
			env.Use(lateWave(3, 2))
			return nil
		},
		Workload: Workload{
			Auth: adapter.AuthOAuth2Password,
			// Two expiries in a row catch a client that keeps the first
			// refresh token; concurrent calls after the third catch one
			// that refreshes twice with the same token.
			Steps: []Step{
				Get("/api/items"),
				Advance(6 * minute), Get("/api/items"),
				Advance(6 * minute), Get("/api/items"),
				Advance(6 * minute), GetN("/api/items", 4),
			},
			Expect: Expect{Status: 200},
		},
	})
}

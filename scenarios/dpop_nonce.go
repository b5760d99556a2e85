package scenarios

import (
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/internal/authn"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "dpop-nonce",
		Title:    "DPoP server nonce",
		Category: "oauth",
		Recovery: NonceRetry,
		Summary:  "`path` takes only DPoP-bound tokens; the token endpoint answers 400 `use_dpop_nonce` and the API 401 `DPoP error=\"use_dpop_nonce\"`, each with `DPoP-Nonce`, to a proof without the current nonce, which changes every `rotate`",
		Explain: Explain{
			Symptom:   "The first token request with a DPoP proof is refused with 400 `{\"error\":\"use_dpop_nonce\"}` and a `DPoP-Nonce` header; later an API call that worked a minute ago answers 401 `WWW-Authenticate: DPoP error=\"use_dpop_nonce\"` with a new `DPoP-Nonce`, although the token is fine.",
			Cause:     "RFC 9449 §8-9 lets the authorization server and the resource server demand a nonce they chose in every proof, to limit how long a pre-computed proof is good for; the nonce rotates on the server's schedule, so a client meets the refusal at the start and again whenever it rotates.",
			UserFix:   "Keep the last `DPoP-Nonce` any response carried; on `use_dpop_nonce` sign a new proof (new jti, same key) with the nonce supplied and retry once. The token is still good: do not refresh it or log in again, and do not retry a second time with the same nonce.",
			OwnerFix:  "Send `DPoP-Nonce` on every response (RFC 9449 §8.2) so clients stay current without a refusal, rotate no faster than clients can follow, and answer with 400 at the token endpoint and 401 at the API, never 403.",
			TellApart: "`use_dpop_nonce` is the only error that a retry with the same token fixes; `invalid_dpop_proof` (bad signature, htu, iat, ath or a replayed jti) needs a correct proof; `invalid_token` needs a new token (expired-token).",
		},
		Sources: []string{SeedChecklist, SeedGuide},
		Params: []Param{
			{Name: "path", Default: "/api/items", Help: "route that takes only DPoP-bound tokens", Kind: StringParam},
			{Name: "rotate", Default: "5m", Help: "how often the server's nonce changes, on the virtual clock", Kind: DurationParam, Min: "1s", Max: "12h"},
		},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			k.DPoPNonce = p.Duration("rotate")
			// The token outlives the rotation: the refusal is about the
			// nonce alone.
			k.AccessTTL = 24 * time.Hour
			k.OnlySchemes(p["path"], authn.DPoP)
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2ClientCredentials,
			DPoP:   true,
			Steps:  []Step{Get("/api/items"), Advance(5 * time.Minute), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt: func(w *Workload, p Params) {
			w.Steps = []Step{Get(p["path"]), Advance(p.Duration("rotate")), Get(p["path"])}
		},
		Variants: []Variant{{Params: map[string]string{"rotate": "30s"}, Why: "a nonce that rotates every 30 s, while the token lives on: the client must not take the API's refusal for an expired token"}},
	})
}

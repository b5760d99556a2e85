package scenarios

import (
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/internal/authn"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "digest-stale-nonce",
		Title:    "Digest nonce goes stale",
		Category: "credentials",
		Recovery: NonceRetry,
		Summary:  "`path` takes only HTTP Digest (RFC 7616, SHA-256); a nonce lives `ttl`, after which the route answers 401 with a new nonce and `stale=true`",
		Explain: Explain{
			Symptom:   "Calls with Digest credentials work, then one answers 401 `WWW-Authenticate: Digest realm=\"authchaos\", qop=\"auth\", algorithm=SHA-256, nonce=\"…\", opaque=\"…\", stale=true`; a client that reads every 401 as a wrong password gives up, or worse, asks the user again.",
			Cause:     "Digest credentials are hashed with a server nonce, so the password never crosses the wire (\"credentials hashed or formatted in a specific way\"). Servers expire nonces to limit replay; `stale=true` (RFC 7616 §3.3) says the username and password were right and only the nonce was old.",
			UserFix:   "On a 401 with `stale=true`, answer the new challenge with the same username and password and retry once, without prompting the user; a 401 without `stale=true` to a fresh nonce is a wrong password: fail fast.",
			OwnerFix:  "Send `stale=true` whenever the response hash is right but the nonce is old, and keep nonces alive long enough for a client's run of calls; prefer SHA-256 over MD5.",
			TellApart: "`stale=true` is not a wrong password (wrong-password) and needs no new credential; a Basic challenge on the same path is basic-auth-shadow.",
		},
		Sources: []string{SeedCauses, SeedChecklist},
		Params: []Param{
			{Name: "path", Default: "/api/items", Help: "route that takes only Digest", Kind: StringParam},
			{Name: "ttl", Default: "1m", Help: "how long a nonce stays fresh, on the virtual clock", Kind: DurationParam, Min: "1s", Max: "12h"},
		},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			k.DigestNonceTTL = p.Duration("ttl")
			k.OnlySchemes(p["path"], authn.Digest)
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthDigest,
			Steps:  []Step{Get("/api/items"), Advance(2 * time.Minute), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt: func(w *Workload, p Params) {
			w.Steps = []Step{Get(p["path"]), Advance(2 * p.Duration("ttl")), Get(p["path"])}
		},
	})
}

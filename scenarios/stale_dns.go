package scenarios

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
	"github.com/authchaos/authchaos/suites/adapter"
)

// legacyIssuer is the only issuer the old backend trusts.
const legacyIssuer = "https://login-legacy.authchaos.internal"

func init() {
	Register(&Scenario{
		ID:       "stale-dns",
		Title:    "Stale DNS record, old backend",
		Category: "network",
		Recovery: Backoff,
		Summary:  "for `ttl` from the first API call, every `every`-th API call lands on an old backend (`X-Backend: api-old-1`) whose realm and issuer differ: 401 Bearer `invalid_token` `stale_backend` with `Retry-After`; fresh tokens fail there too",
		Explain: Explain{
			Symptom:   "Some calls, with a token that works on the next call, get 401 `WWW-Authenticate: Bearer realm=\"authchaos-legacy\", error=\"invalid_token\", error_description=\"token issuer ... is not trusted by this backend\"` and `X-Backend: api-old-1`. A brand-new token is refused the same way; after a while the errors stop by themselves.",
			Cause:     "The API moved to new servers, but a resolver, the OS or the client itself still caches the old DNS record until its TTL runs out, so calls reach the old deployment, which trusts another issuer and names another realm. With several records in rotation only some calls go there.",
			UserFix:   "Read the challenge: a realm other than the API's (or a backend header you do not expect) means the token is not the problem. Keep it (refreshing only adds requests that fail the same way), wait as Retry-After says or until the DNS TTL passes, retry; honour DNS TTLs instead of caching addresses for the life of the process.",
			OwnerFix:  "Lower the record's TTL well before a migration, keep the old backend answering with a pointer to the new one (or trusting the new issuer) until the old TTL has passed everywhere, and label answers with the backend that served them.",
			TellApart: "A Bearer challenge with another realm and issuer, on some calls only, that a new token does not fix: this. invalid_token in the API's own realm that a refresh fixes is expired-token or bad-signature; an HTML page is waf-block or captive-portal; rate-limited comes with X-RateLimit headers and no challenge.",
		},
		Sources: []string{SeedCauses},
		Params: []Param{
			{Name: "ttl", Default: "1s", Help: "how long the stale record lives, from the first API call", Kind: DurationParam, Min: "1s", Max: "1h"},
			{Name: "every", Default: "1", Help: "every n-th API call within the TTL lands on the old backend (1: all, 2: every other)", Kind: IntParam, Min: "1", Max: "1000"},
		},
		Install: func(env fault.Env, p Params) error {
			ttl, every := p.Duration("ttl"), p.Int("every")
			if every < 1 {
				return fmt.Errorf("every must be at least 1, got %d", every)
			}
			stale := newWindow(ttl)
			var mu sync.Mutex
			calls := 0
			env.Use(onAPI(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				now := env.Now()
				stale.open(now)
				left := stale.left(now)
				onOld := false
				if left > 0 {
					mu.Lock()
					calls++
					onOld = (calls-1)%every == 0
					mu.Unlock()
				}
				if !onOld {
					next.ServeHTTP(w, r)
					return
				}
				fault.NoteOf(r).Origin = journal.OldBackend
				fault.Challenge{
					Scheme: "Bearer", Realm: "authchaos-legacy", Error: "invalid_token",
					Description: oldBackendRefusal(r), Reason: journal.StaleBackend,
					Hint: "this answer came from an old backend that a cached DNS record still points to (X-Backend: api-old-1); your token is fine on the current one: keep it, retry after Retry-After",
					Headers: http.Header{
						"X-Backend":   {"api-old-1"},
						"Retry-After": {retryAfter(left)},
					},
				}.Write(w, r)
			}))
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2ClientCredentials,
			Steps:  []Step{Get("/api/items"), Get("/api/me")},
			Expect: Expect{Status: 200},
		},
		Variants: []Variant{{Params: map[string]string{"every": "2"}, Why: "only every other call lands on the old backend"}},
	})
}

// oldBackendRefusal says why the old backend refuses the credential: for
// a JWT it names the issuer it does not trust, never the token itself.
func oldBackendRefusal(r *http.Request) string {
	cred, err := authn.FromRequest(r)
	if err != nil || cred.Scheme != authn.Bearer {
		return "credential is not known to this backend"
	}
	parts := strings.Split(cred.Secret, ".")
	var claims struct {
		Iss string `json:"iss"`
	}
	if len(parts) == 3 {
		if raw, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			_ = json.Unmarshal(raw, &claims)
		}
	}
	if claims.Iss == "" {
		return "token is not known to this backend (it trusts only " + legacyIssuer + ")"
	}
	return fmt.Sprintf("token issuer %s is not trusted by this backend (it trusts only %s)", claims.Iss, legacyIssuer)
}

package scenarios

import (
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "concurrent-expiry",
		Title:    "Many calls in flight when the token expires",
		Category: "tokens",
		Recovery: Refresh,
		Summary:  "access tokens live `lifetime`; every call that carries the expired token gets 401 `invalid_token` at once, and the token endpoint takes `token_latency` to answer, so refreshes overlap",
		Explain: Explain{
			Symptom:   "After an expiry a burst of parallel calls (a page loading eight widgets, a worker pool) all get 401 invalid_token together, and the token endpoint then sees a burst of refresh requests, one per call: rate limits trip, rotating refresh tokens get revoked as reused, logs fill up.",
			Cause:     "Each call notices the 401 on its own and refreshes on its own. Token endpoints take tens to hundreds of milliseconds, so by the time the first refresh returns, every other call has started its own.",
			UserFix:   "Refresh through a single flight: the first call that sees invalid_token refreshes; the others wait for that refresh and retry with its token. Before refreshing, check whether the token you sent is still the current one: if another call already replaced it, just retry with the new one. One token request per expiry.",
			OwnerFix:  "Keep the token endpoint fast, rate-limit it per client with 429 and Retry-After rather than 401, and, if refresh tokens rotate, forgive a reuse within a second or two so a client's concurrent refreshes do not revoke the whole family.",
			TellApart: "Several invalid_token answers at the same moment followed by several token requests is this; one 401 and one refresh is expired-token; refresh_token_reused after concurrent refreshes is refresh-token-rotation.",
		},
		Sources: []string{SeedChecklist, SeedGuide},
		Params: []Param{
			{Name: "lifetime", Default: "5m", Help: "access token lifetime", Kind: DurationParam, Min: "1s", Max: "24h"},
			{Name: "token_latency", Default: "100ms", Help: "how long the token endpoint takes to answer (real time), widening the window in which refreshes overlap", Kind: DurationParam, Min: "0s", Max: "5s"},
		},
		Install: func(env fault.Env, p Params) error {
			env.Knobs().AccessTTL = p.Duration("lifetime")
			latency := p.Duration("token_latency")
			if latency <= 0 {
				return nil
			}
			env.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/oauth/token" {
						t := time.NewTimer(latency)
						select {
						case <-t.C:
						case <-r.Context().Done():
							t.Stop()
						}
					}
					next.ServeHTTP(w, r)
				})
			})
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2Password,
			Steps:  []Step{Get("/api/items"), Advance(6 * minute), GetN("/api/items", 8)},
			Expect: Expect{Status: 200},
		},
	})
}

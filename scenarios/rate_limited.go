package scenarios

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "rate-limited",
		Title:    "Rate limiter answers 401",
		Category: "network",
		Recovery: Backoff,
		Summary:  "a gateway limiter allows `rate` API calls per fixed `window`; past that it answers 401 (not 429) with `Retry-After` until the window resets, `X-RateLimit-*` headers, a JSON or plain (`body`) message and no `WWW-Authenticate`",
		Explain: Explain{
			Symptom:   "A burst of calls works, then some answer 401 `{\"message\":\"API rate limit exceeded\"}` with `Retry-After: 1`, `X-RateLimit-Remaining: 0` and no `WWW-Authenticate`; a moment later the same token works again.",
			Cause:     "A gateway or WAF rate rule answers with 401 instead of 429 Too Many Requests (a copy-pasted rule, a plugin default, a limiter placed behind the auth layer that reuses its error page). The token is fine; the client is just fast.",
			UserFix:   "Treat a 401 that carries Retry-After and rate-limit headers but no challenge as throttling: keep the token (refreshing or logging in again only adds requests), wait as Retry-After says, retry, and spread calls out.",
			OwnerFix:  "Answer rate limits with 429 and Retry-After (RFC 6585 §4), keep the RateLimit headers, and alert on limiter 401s: clients that read them as auth failures hammer the token endpoint too.",
			TellApart: "Retry-After plus X-RateLimit headers, no challenge, and it depends on how fast you call: this. An HTML block page for a fixed time is waf-block; a portal page is captive-portal; a Bearer challenge from another realm is stale-dns; the API's own 401s carry `WWW-Authenticate` (expired-token).",
		},
		Sources: []string{SeedChecklist},
		Params: []Param{
			{Name: "rate", Default: "3", Help: "API calls allowed per window (0: refuse every call)", Kind: IntParam, Min: "0", Max: "10000"},
			{Name: "window", Default: "1s", Help: "fixed window, from the first call in it, on the server clock", Kind: DurationParam, Min: "1s", Max: "1h"},
			{Name: "body", Default: "json", Help: "json or plain: how the gateway words its refusal", Kind: EnumParam, Values: []string{"json", "plain"}},
		},
		Install: func(env fault.Env, p Params) error {
			rate, window, body := p.Int("rate"), p.Duration("window"), p["body"]
			if body != "json" && body != "plain" {
				return fmt.Errorf("body %q is not valid (valid: json, plain)", body)
			}
			if window <= 0 {
				return fmt.Errorf("window must be positive, got %s", window)
			}
			var mu sync.Mutex
			var start time.Time
			count := 0
			env.Use(onAPI(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				now := env.Now()
				mu.Lock()
				if start.IsZero() || !now.Before(start.Add(window)) {
					start, count = now, 0
				}
				count++
				over, reset := count > rate, start.Add(window)
				remaining := max(rate-count, 0)
				mu.Unlock()
				h := w.Header()
				h.Set("X-RateLimit-Limit", strconv.Itoa(rate))
				h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
				h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
				if !over {
					next.ServeHTTP(w, r)
					return
				}
				wait := max(int(math.Ceil(reset.Sub(now).Seconds())), 1)
				h.Set("Retry-After", strconv.Itoa(wait))
				h.Set("Via", "1.1 api-gateway")
				fault.NoteOf(r).Origin = journal.RateLimiter
				if body == "plain" {
					fault.Respond(w, r, http.StatusUnauthorized, journal.RateLimited, "text/plain; charset=utf-8",
						fmt.Sprintf("Unauthorized: rate limit of %d requests per %s exceeded. Retry in %d s.\n", rate, window, wait))
					return
				}
				fault.Answer{Status: http.StatusUnauthorized, Reason: journal.RateLimited, JSON: map[string]any{
					"message": "API rate limit exceeded", "reason": journal.RateLimited,
					"hint": fmt.Sprintf("%d requests per %s allowed; keep your credential and retry after %d s (Retry-After)", rate, window, wait),
				}}.Write(w, r)
			}))
			return nil
		},
		Workload: Workload{
			Auth: adapter.AuthOAuth2ClientCredentials,
			// Sequential: the fourth call is over the rate. (Concurrent
			// refusals on one path would each be followed by the others,
			// which a Retry-After check cannot tell from an early retry.)
			Steps:  []Step{Get("/api/me"), Get("/api/items"), Get("/api/me"), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Variants: []Variant{{Params: map[string]string{"body": "plain"}, Why: "the gateway words its refusal in plain text"}},
	})
}

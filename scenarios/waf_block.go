package scenarios

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "waf-block",
		Title:    "WAF or CDN edge answers 401",
		Category: "network",
		Recovery: Backoff,
		Summary:  "for `duration` from the first API call, an edge answers 401 with an HTML block page, an edge server name and `Retry-After`",
		Explain: Explain{
			Symptom:   "401 with `Content-Type: text/html`, a block page naming an edge server and a request id, `Retry-After`, and no `WWW-Authenticate`: the API's own JSON error never appears.",
			Cause:     "A web application firewall or CDN rule (bot score, burst protection, geo rule) answers in front of the API, and some are configured to use 401. The credential never reached the auth server, so it is still good.",
			UserFix:   "Recognise a 401 that is not from the API (HTML body, no challenge, edge headers): keep the credential, do not refresh or log in again, wait as Retry-After says, retry a bounded number of times.",
			OwnerFix:  "Inspect WAF/CDN rules and events; answer blocks with 403 or 429 and Retry-After, not 401, and lift rules that catch legitimate API clients.",
			TellApart: "An HTML 401 without a challenge and with Retry-After is an edge block; the API's 401s are JSON with `WWW-Authenticate` (expired-token); a persistent edge 401 without Retry-After is firewall-block; rate-limited counts requests.",
		},
		Sources: []string{SeedChecklist},
		Params:  []Param{{Name: "duration", Default: "1s", Help: "how long the edge blocks, from the first API call (0s: never)", Kind: DurationParam, Min: "0s", Max: "1h"}},
		Install: func(env fault.Env, p Params) error {
			duration := p.Duration("duration")
			blocked := newWindow(duration)
			env.Use(onAPI(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				now := env.Now()
				blocked.open(now)
				left := blocked.left(now)
				if left <= 0 {
					next.ServeHTTP(w, r)
					return
				}
				w.Header().Set("Retry-After", retryAfter(left))
				w.Header().Set("Server", "edge-proxy")
				w.Header().Set("X-Edge-Location", "fra1-edge-07")
				w.Header().Set("X-Request-Id", "waf-4f1c2a")
				fault.NoteOf(r).Origin = journal.WAF
				fault.Respond(w, r, http.StatusUnauthorized, journal.WAFBlock, "text/html; charset=utf-8", wafPage)
			}))
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2ClientCredentials,
			Steps:  []Step{Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Variants: []Variant{{Params: map[string]string{"duration": "6s"}, Why: "a long block: Retry-After 6, beyond a client that caps its waits at five seconds"}},
	})
}

const wafPage = `<!DOCTYPE html>
<html><head><title>401 Unauthorized - Request blocked</title></head>
<body><h1>Request blocked</h1>
<p>This request was blocked by the security rules of edge server fra1-edge-07.</p>
<p>Reference: waf-4f1c2a. Please try again later.</p></body></html>
`

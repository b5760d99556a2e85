package scenarios

import (
	"net/http"
	"sync"
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
			{Name: "late", Default: "2", Help: "the late wave: after the first 401 of a burst, this many more 401s are held until the next token request has been answered, so they reach a client that has already refreshed (0: none)", Kind: IntParam, Min: "0", Max: "100"},
		},
		Install: func(env fault.Env, p Params) error {
			env.Knobs().AccessTTL = p.Duration("lifetime")
			if late := p.Int("late"); late > 0 {
				env.Use(lateWave(1, late))
			}
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

// lateWaveHold bounds how long a held 401 waits for a token request (a
// client that never refreshes), and lateWaveAfter is how long after the
// refresh's answer it is released, so the client has the new token.
const (
	lateWaveHold  = 2 * time.Second
	lateWaveAfter = 20 * time.Millisecond
)

// lateWave lets the first prompts API 401s through, then holds up to n
// more until the next token request has been answered. A client whose calls in flight share
// one refresh only while it is running starts a second refresh for these
// late 401s; a correct client sees that the token they carried has
// already been replaced and retries with the new one.
func lateWave(prompts, n int) fault.Edge {
	var mu sync.Mutex
	prompt, held := prompts, 0
	done := make(chan struct{}) // closed when a token request is answered
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/oauth/token" {
				next.ServeHTTP(w, r)
				mu.Lock()
				close(done)
				done = make(chan struct{})
				mu.Unlock()
				return
			}
			if !isAPI(r) {
				next.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			wait := done // the next answer after this call arrived
			mu.Unlock()
			buf := bufferedResponse{header: http.Header{}}
			next.ServeHTTP(&buf, r)
			mu.Lock()
			hold := false
			if buf.status == http.StatusUnauthorized {
				switch {
				case prompt > 0:
					prompt--
				case held < n:
					held++
					hold = true
				}
			}
			mu.Unlock()
			if hold {
				t := time.NewTimer(lateWaveHold)
				select {
				case <-wait:
					time.Sleep(lateWaveAfter)
				case <-t.C:
				case <-r.Context().Done():
				}
				t.Stop()
			}
			buf.copyTo(w)
		})
	}
}

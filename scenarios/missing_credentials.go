package scenarios

import (
	"net/http"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "missing-credentials",
		Title:    "No credentials on the request",
		Category: "credentials",
		Recovery: Relogin,
		Summary:  "the first `times` API calls arrive without credentials (the session is gone); each gets 401 with `WWW-Authenticate` naming scheme and realm",
		Explain: Explain{
			Symptom:   "401 with `WWW-Authenticate: Bearer realm=\"authchaos\"` (and one challenge per accepted scheme) and reason missing_credentials: the server saw no Authorization header and no session cookie.",
			Cause:     "The client never logged in, lost its session (cookie jar cleared, new process, incognito window), or something between client and server dropped the header: a proxy, a CGI gateway that does not pass HTTP_AUTHORIZATION, a browser extension.",
			UserFix:   "Authenticate with the primary credentials (log in, or run the token grant), retry once. If credentials were sent and still arrive missing, stop and report it: something in the path strips them.",
			OwnerFix:  "Answer with a WWW-Authenticate challenge for every scheme the route accepts, so clients know what to send; make sure proxies forward Authorization.",
			TellApart: "missing_credentials means nothing arrived; invalid_token means a token arrived but is no good (expired-token, revoked-token); wrong_scheme means a credential of another kind arrived.",
		},
		Sources: []string{SeedGuide, SeedCauses, SeedChecklist},
		Params:  []Param{{Name: "times", Default: "1", Help: "how many API calls lose their credentials", Kind: IntParam, Min: "1", Max: "10000"}},
		Install: func(env fault.Env, p Params) error {
			left := newCountdown(p.Int("times"))
			env.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if isAPI(r) && left.take() {
						// As a proxy that drops the header, or a gateway
						// that loses the cookie: the journal keeps what the
						// client sent, the app never sees it.
						r.Header.Del("Authorization")
						r.Header.Del("Cookie")
					}
					next.ServeHTTP(w, r)
				})
			})
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthSession,
			Steps:  []Step{Get("/api/me"), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
	})
}
